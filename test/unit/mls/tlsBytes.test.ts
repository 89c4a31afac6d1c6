import { describe, expect, it } from 'vitest';
import { decodeVarint, decodeVectors, encodeVarint, encodeVectors } from '../../../electron/core/crypto/mls/tlsBytes';

describe('TLS varints (RFC 9420 §2.1.2)', () => {
  it('encodes the RFC examples', () => {
    expect([...encodeVarint(37)]).toEqual([0x25]);
    expect([...encodeVarint(15293)]).toEqual([0x7b, 0xbd]);
    expect([...encodeVarint(494878333)]).toEqual([0x9d, 0x7f, 0x3e, 0x7d]);
  });

  it('round-trips lengths at every boundary', () => {
    for (const n of [0, 63, 64, 16383, 16384, 2 ** 30 - 1]) {
      const bytes = encodeVarint(n);
      expect(decodeVarint(bytes, 0)).toEqual({ value: n, length: bytes.length });
    }
  });

  it('refuses non-minimal, truncated and 8-byte forms', () => {
    expect(decodeVarint(Uint8Array.of(0x40, 0x25), 0)).toBeUndefined();
    expect(decodeVarint(Uint8Array.of(0x7b), 0)).toBeUndefined();
    expect(decodeVarint(Uint8Array.of(0xc0, 0, 0, 0, 0, 0, 0, 1), 0)).toBeUndefined();
  });

  it('splits framed records exactly, refusing trailing bytes', () => {
    const framed = encodeVectors([Uint8Array.of(1), new Uint8Array(100), new Uint8Array()]);
    expect(decodeVectors(framed, 3)?.map((p) => p.length)).toEqual([1, 100, 0]);
    expect(decodeVectors(Uint8Array.of(...framed, 0), 3)).toBeUndefined();
    expect(decodeVectors(framed.subarray(1), 3)).toBeUndefined();
  });
});
