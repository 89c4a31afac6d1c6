import { describe, expect, it } from 'vitest';
import type { MlsSuiteId } from '../../../electron/core/crypto/mls/cipherSuites';
import { loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import { createMlsEngine } from '../../../electron/core/crypto/mls/mlsEngine';
import { createSigner, decodeSigner, encodeSigner } from '../../../electron/core/crypto/mls/mlsSigner';
import { codeOf, joinWelcome, keyPackageOf, must, newDevice, read, text, user } from '../../fixtures/mls/mlsTestDevices';

async function roundTrip(suite: MlsSuiteId): Promise<string> {
  const [alice, bob] = [await newDevice(undefined, suite), await newDevice(undefined, suite)];
  const added = must(await alice.engine.addMembers(must(await alice.engine.createGroup(text('g'))), [await keyPackageOf(bob)]));
  const bobGroup = await joinWelcome(bob, added.welcome);
  const sent = must(await alice.engine.encrypt(added.group, text(`suite ${suite}`)));
  const got = must(await bob.engine.processMessage(bobGroup, sent.message));
  return got.kind === 'application' ? read(got.plaintext) : got.kind;
}

/** Ciphertext lengths of several short texts (ECDSA signatures vary in length; the padding must hide that too). */
async function shortTextLengths(suite: MlsSuiteId): Promise<Set<number>> {
  const alice = await newDevice(undefined, suite);
  let group = must(await alice.engine.createGroup(text('g')));
  const lengths = new Set<number>();
  for (const t of ['a', 'this text is thirty bytes long', 'ok', 'see you at 8?', '👍', 'x'.repeat(60)]) {
    const sent = must(await alice.engine.encrypt(group, text(t)));
    group = sent.group;
    lengths.add(sent.message.length);
  }
  return lengths;
}

describe('cipher suites', () => {
  it.each([1, 2, 7, 5, 83] as const)('runs a two-member group in suite %i', async (suite) => {
    expect(await roundTrip(suite)).toBe(`suite ${suite}`);
  });

  it.each([1, 2, 7, 5] as const)('gives short texts one ciphertext length in suite %i', async (suite) => {
    expect((await shortTextLengths(suite)).size).toBe(1);
  });

  it.each([
    [2, 65],
    [7, 97],
    [5, 133],
  ] as const)('gives new signers in suite %i an uncompressed ECDSA public key of %i bytes (RFC 9420 §5.1.1)', async (suite, length) => {
    const signer = await createSigner({ userId: user(9), clientId: '00000000000000ab', domain: 'cairn.test' }, must(await loadSuite(suite)));
    expect(signer.signaturePublicKey.length).toBe(length);
    expect(signer.signaturePublicKey[0]).toBe(0x04);
  });

  it('refuses suites Cairn does not offer', async () => {
    expect(codeOf(await loadSuite(3))).toBe('mls-unsupported-suite');
  });

  it('refuses a key package of another suite', async () => {
    const [alice, bob] = [await newDevice(undefined, 1), await newDevice(undefined, 2)];
    const group = must(await alice.engine.createGroup(text('g')));
    expect(codeOf(await alice.engine.addMembers(group, [await keyPackageOf(bob)]))).toBe('mls-invalid-key-package');
  });

  it('stores and restores a device signer', async () => {
    const signer = await createSigner({ userId: user(7), clientId: '00000000000000aa', domain: 'cairn.test' }, must(await loadSuite(2)));
    const restored = must(decodeSigner(encodeSigner(signer)));
    expect(restored).toEqual(signer);
    expect(must(await createMlsEngine(restored)).identity).toEqual(signer.identity);
    expect(codeOf(decodeSigner(encodeSigner(signer).subarray(1)))).toBe('mls-invalid-state');
  });
});
