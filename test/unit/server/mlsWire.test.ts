import { randomBytes } from 'node:crypto';
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultCryptoProvider,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE, readKeyPackageSuite, readMessageHeader, SENDER_TYPE } from '../../../server/mls/wire';

const encoder = new TextEncoder();

async function realGroup(groupId: Uint8Array) {
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMP256_AES128GCM_SHA256_P256'), defaultCryptoProvider);
  const keys = await generateKeyPackage({ credentialType: 'basic', identity: encoder.encode('ada') }, defaultCapabilities(), defaultLifetime, [], cs);
  const state = await createGroup(groupId, keys.publicPackage, keys.privatePackage, [], cs);
  return { cs, keys, state };
}

describe('reading MLS headers', () => {
  it('reads group id, epoch and content type of real ts-mls commits and application messages', async () => {
    const groupId = randomBytes(32);
    const { cs, state } = await realGroup(groupId);
    const commit = await createCommit({ state, cipherSuite: cs }, { wireAsPublicMessage: true });
    const header = readMessageHeader(Buffer.from(encodeMlsMessage(commit.commit)));
    expect(header).toMatchObject({ ok: true, value: { wireFormat: 'public', epoch: 0n, contentType: CONTENT_TYPE.commit, senderType: SENDER_TYPE.member } });
    if (header.ok) expect(header.value.groupId.equals(groupId)).toBe(true);
    const privateCommit = await createCommit({ state, cipherSuite: cs });
    expect(readMessageHeader(Buffer.from(encodeMlsMessage(privateCommit.commit)))).toMatchObject({
      ok: true,
      value: { wireFormat: 'private', epoch: 0n, contentType: CONTENT_TYPE.commit },
    });
    const message = await createApplicationMessage(commit.newState, encoder.encode('hi'), cs);
    const encoded = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: message.privateMessage });
    expect(readMessageHeader(Buffer.from(encoded))).toMatchObject({ ok: true, value: { wireFormat: 'private', epoch: 1n, contentType: CONTENT_TYPE.application } });
  });

  it('reads the cipher suite of key packages, bare or wrapped', async () => {
    const { keys } = await realGroup(randomBytes(16));
    const wrapped = Buffer.from(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: keys.publicPackage }));
    expect(readKeyPackageSuite(wrapped)).toEqual({ ok: true, value: 2 });
    expect(readKeyPackageSuite(wrapped.subarray(4))).toEqual({ ok: true, value: 2 });
  });

  it('handles long group ids (2- and 4-byte length prefixes)', () => {
    for (const [length, prefix] of [
      [100, Buffer.from([0x40, 100])],
      [20_000, Buffer.from([0x80, 0x00, 0x4e, 0x20])],
    ] as const) {
      const groupId = randomBytes(length);
      const epoch = Buffer.alloc(8);
      epoch.writeBigUInt64BE(7n);
      const bytes = Buffer.concat([Buffer.from([0, 1, 0, 2]), prefix, groupId, epoch, Buffer.from([1])]);
      const header = readMessageHeader(bytes);
      expect(header.ok && header.value.groupId.equals(groupId) && header.value.epoch === 7n).toBe(true);
    }
  });

  it('refuses truncated, foreign and non-message bytes without throwing', () => {
    const cases = [Buffer.alloc(0), Buffer.from([0, 1]), Buffer.from([0, 2, 0, 1, 0]), Buffer.from([0, 1, 0, 3, 0]), Buffer.from([0, 1, 0, 1, 0x20, 1, 2]), Buffer.from([0, 1, 0, 1, 0xc0])];
    for (const bytes of cases) expect(readMessageHeader(bytes)).toMatchObject({ ok: false, error: { code: 'mls-invalid-message' } });
    for (let round = 0; round < 2000; round += 1) {
      expect(() => readMessageHeader(randomBytes(round % 64))).not.toThrow();
      expect(() => readKeyPackageSuite(randomBytes(round % 16))).not.toThrow();
    }
  });
});
