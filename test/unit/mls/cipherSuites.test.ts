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

describe('cipher suites', () => {
  it.each([1, 2, 7, 5, 83] as const)('runs a two-member group in suite %i', async (suite) => {
    expect(await roundTrip(suite)).toBe(`suite ${suite}`);
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
