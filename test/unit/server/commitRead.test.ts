import { randomBytes } from 'node:crypto';
import { createCommit, createGroup, defaultCapabilities, defaultCryptoProvider, defaultLifetime, encodeMlsMessage, generateKeyPackage, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { readCommit } from '../../../server/mls/commit';
import { parseDeviceIdentity } from '../../../server/mls/identity';

const user = '0b6f1c3e-2a4d-4e8f-9a1b-3c5d7e9f1a2b';

describe('reading commits on the server', () => {
  it('reads a real commit, and answers truncated, bit-flipped and random bytes with mls-invalid-message, never an exception', async () => {
    const cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'), defaultCryptoProvider);
    const keys = (n: number) => generateKeyPackage({ credentialType: 'basic', identity: new TextEncoder().encode(`${user}:${n}@cairn.test`) }, defaultCapabilities(), defaultLifetime, [], cs);
    const own = await keys(1);
    const state = await createGroup(randomBytes(32), own.publicPackage, own.privatePackage, [], cs);
    const commit = encodeMlsMessage(
      (await createCommit({ state, cipherSuite: cs }, { wireAsPublicMessage: true, extraProposals: [{ proposalType: 'add', add: { keyPackage: (await keys(2)).publicPackage } }] })).commit,
    );
    expect(readCommit(commit)).toMatchObject({ ok: true, value: { sender: { kind: 'member', leafIndex: 0 }, adds: [{ identity: { userId: user, clientId: '0000000000000002' } }], removes: [] } });
    for (let round = 0; round < 2000; round += 1) {
      const mutated = Buffer.from(commit);
      if (round % 3 === 0) mutated.writeUInt8(mutated.readUInt8(round % mutated.length) ^ (1 << (round % 8)), round % mutated.length);
      const input = round % 3 === 1 ? mutated.subarray(0, round % mutated.length) : round % 3 === 2 ? randomBytes(round % 600) : mutated;
      const read = readCommit(input);
      if (!read.ok) expect(read.error.code).toBe('mls-invalid-message');
    }
  });

  it('parses device identities exactly, padding client ids to the server form', () => {
    expect(parseDeviceIdentity(new TextEncoder().encode(`${user}:a2b3@cairn.test`))).toEqual({ userId: user, clientId: '000000000000a2b3', domain: 'cairn.test' });
    for (const bad of [`${user}:@cairn.test`, `${user}:12345678901234567@cairn.test`, `${user}:A2@cairn.test`, `${user}:a2`, `x:a2@cairn.test`, `${user}:a2@cairn.test `]) {
      expect(parseDeviceIdentity(new TextEncoder().encode(bad))).toBeUndefined();
    }
    expect(parseDeviceIdentity(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
  });
});
