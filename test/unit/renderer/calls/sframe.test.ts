import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Bytes } from '../../../../renderer/calls/sframe';
import {
  decodeHeader,
  decryptFrame,
  deriveKeySalt,
  encodeHeader,
  encryptFrame,
  importSframeKey,
  makeKid,
  ratchetBaseKey,
  splitKid,
} from '../../../../renderer/calls/sframe';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Bytes => new Uint8Array(Buffer.from(text, 'hex'));
const MAX = 18446744073709551615n;

/** RFC 9605 Appendix C.1 header vectors (sframe-wg test-vectors.json), a cut across every field length. */
const HEADER_VECTORS: readonly [bigint, bigint, string][] = [
  [0n, 0n, '00'],
  [0n, 1n, '01'],
  [0n, 255n, '08ff'],
  [0n, 256n, '090100'],
  [0n, 65535n, '09ffff'],
  [0n, 72057594037927936n, '0f0100000000000000'],
  [0n, MAX, '0fffffffffffffffff'],
  [1n, 0n, '10'],
  [1n, 255n, '18ff'],
  [255n, 0n, '80ff'],
  [255n, 256n, '89ff0100'],
  [256n, 0n, '900100'],
  [256n, 255n, '980100ff'],
  [65535n, 1n, '91ffff'],
  [65536n, 0n, 'a0010000'],
  [65536n, 65536n, 'aa010000010000'],
  [16777215n, 0n, 'a0ffffff'],
  [16777216n, 255n, 'b801000000ff'],
  [4294967295n, 256n, 'b9ffffffff0100'],
  [4294967296n, 0n, 'c00100000000'],
  [4294967296n, MAX, 'cf0100000000ffffffffffffffff'],
];

/** RFC 9605 Appendix C.4, cipher suite 0x0005 AES_256_GCM_SHA512_128. */
const SUITE_5 = {
  kid: 291n,
  ctr: 17767n,
  baseKey: '000102030405060708090a0b0c0d0e0f',
  sframeKey: 'd3e27b0d4a5ae9e55df01a70e6d4d28d969b246e2936f4b7a5d9b494da6b9633',
  sframeSalt: '84991c167b8cd23c93708ec7',
  metadata: '4945544620534672616d65205747',
  plaintext: '64726166742d696574662d736672616d652d656e63',
  ciphertext: '990123456794f509d36e9beacb0e261d99c7d1e972f1fed787d4049f17ca21353c1cc24d56ceabced279',
};

describe('SFrame header (RFC 9605 §4.3)', () => {
  it.each(HEADER_VECTORS)('encodes and decodes KID %s, CTR %s as the RFC test vector', (kid, ctr, expected) => {
    const encoded = encodeHeader(kid, ctr);
    expect(encoded.ok && hex(encoded.value)).toBe(expected);
    const decoded = decodeHeader(unhex(expected));
    expect(decoded).toEqual({ ok: true, value: { kid, ctr, length: expected.length / 2 } });
  });

  it('reads a header behind a clear codec prefix and ignores what follows it', () => {
    const frame = unhex(`aabbcc${'990123' + '4567'}ffff`);
    expect(decodeHeader(frame, 3)).toEqual({ ok: true, value: { kid: 291n, ctr: 17767n, length: 5 } });
  });

  it('answers a truncated or empty header with an error value instead of throwing', () => {
    expect(decodeHeader(new Uint8Array(0))).toEqual({ ok: false, error: 'truncated-header' });
    expect(decodeHeader(unhex('990123'))).toEqual({ ok: false, error: 'truncated-header' });
    expect(decodeHeader(unhex('f0'))).toEqual({ ok: false, error: 'truncated-header' });
    expect(decodeHeader(unhex('0f01'))).toEqual({ ok: false, error: 'truncated-header' });
    expect(decodeHeader(unhex('aabb'), 5)).toEqual({ ok: false, error: 'truncated-header' });
  });

  it('refuses values that do not fit 64 bits', () => {
    expect(encodeHeader(MAX + 1n, 0n)).toEqual({ ok: false, error: 'value-out-of-range' });
    expect(encodeHeader(0n, -1n)).toEqual({ ok: false, error: 'value-out-of-range' });
  });
});

describe('SFrame cipher suite 0x0005 (RFC 9605 §4.4)', () => {
  it('derives the key and salt of the RFC test vector', async () => {
    const { key, salt } = await deriveKeySalt(SUITE_5.kid, unhex(SUITE_5.baseKey));
    expect(hex(key)).toBe(SUITE_5.sframeKey);
    expect(hex(salt)).toBe(SUITE_5.sframeSalt);
  });

  it('encrypts the RFC test vector to its ciphertext and decrypts it back', async () => {
    const key = await importSframeKey(SUITE_5.kid, unhex(SUITE_5.baseKey));
    const sealed = await encryptFrame(key, SUITE_5.ctr, unhex(SUITE_5.metadata), unhex(SUITE_5.plaintext));
    expect(sealed.ok && hex(sealed.value)).toBe(SUITE_5.ciphertext);
    const frame = unhex(SUITE_5.ciphertext);
    const header = decodeHeader(frame);
    if (!header.ok) throw new Error('vector header did not decode');
    const opened = await decryptFrame(key, header.value, unhex(SUITE_5.metadata), frame);
    expect(opened.ok && hex(opened.value)).toBe(SUITE_5.plaintext);
  });

  it('refuses a frame whose ciphertext, header or metadata changed, or that was sealed under another key', async () => {
    const key = await importSframeKey(SUITE_5.kid, unhex(SUITE_5.baseKey));
    const other = await importSframeKey(SUITE_5.kid, unhex('ff0102030405060708090a0b0c0d0e0f'));
    const frame = unhex(SUITE_5.ciphertext);
    const header = decodeHeader(frame);
    if (!header.ok) throw new Error('vector header did not decode');
    const flipped = frame.slice();
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    const metadata = unhex(SUITE_5.metadata);
    expect(await decryptFrame(key, header.value, metadata, flipped)).toEqual({ ok: false, error: 'authentication-failed' });
    expect(await decryptFrame(key, header.value, unhex('4845544620534672616d65205747'), frame)).toEqual({ ok: false, error: 'authentication-failed' });
    expect(await decryptFrame(key, { ...header.value, ctr: 17768n }, metadata, frame)).toEqual({ ok: false, error: 'authentication-failed' });
    expect(await decryptFrame(other, header.value, metadata, frame)).toEqual({ ok: false, error: 'authentication-failed' });
    expect(await decryptFrame(key, header.value, metadata, frame.subarray(0, 5 + 15))).toEqual({ ok: false, error: 'truncated-frame' });
  });

  it('ratchets a base key as HKDF-SHA512 with the label "SFrame 1.0 Ratchet" (§5.1), checked against Node\'s own HKDF', async () => {
    const base = unhex(SUITE_5.baseKey);
    const next = await ratchetBaseKey(base);
    const expected = new Uint8Array(hkdfSync('sha512', base, new Uint8Array(0), 'SFrame 1.0 Ratchet', 64));
    expect(hex(next)).toBe(hex(expected));
    expect(hex(await ratchetBaseKey(next))).not.toBe(hex(next));
  });
});

describe('Cairn key ids on MLS (RFC 9605 §5.2)', () => {
  it('puts the ratchet step above the leaf index above the low byte of the epoch', () => {
    expect(makeKid({ step: 0, leaf: 1, epochLow: 5 })).toBe(0x0105n);
    expect(makeKid({ step: 1, leaf: 0, epochLow: 1 })).toBe(65537n);
    expect(makeKid({ step: 3, leaf: 7, epochLow: 300 & 0xff })).toBe((3n << 16n) | (7n << 8n) | 44n);
    expect(splitKid(makeKid({ step: 42, leaf: 255, epochLow: 200 }))).toEqual({ step: 42, leaf: 255, epochLow: 200 });
  });
});
