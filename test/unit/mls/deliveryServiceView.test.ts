import { beforeAll, describe, expect, it } from 'vitest';
import { readKeyPackageSuite, readMessageHeader } from '../../../server/mls/wire';
import type { MlsCommitOutput } from '../../../electron/core/crypto/mls/engineContext';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import type { TestDevice } from '../../fixtures/mls/mlsTestDevices';
import { joinWelcome, keyPackageOf, must, newDevice, text } from '../../fixtures/mls/mlsTestDevices';

/*
 * What the delivery service can read from each thing the engine produces, checked with the
 * server's own reader (server/mls/wire.ts), so client and server cannot drift apart.
 */
describe('what the server can read from MLS output', () => {
  let alice: TestDevice;
  let bob: TestDevice;
  let group: MlsGroup;
  let added: MlsCommitOutput;
  const groupId = text('conversation-42');

  beforeAll(async () => {
    [alice, bob] = await Promise.all([newDevice(), newDevice()]);
    group = must(await alice.engine.createGroup(groupId));
    added = must(await alice.engine.addMembers(group, [await keyPackageOf(bob)]));
  });

  it('reads the suite of an uploaded key package', async () => {
    const [kp] = must(await alice.engine.generateKeyPackages(1));
    expect(readKeyPackageSuite(Buffer.from(kp?.message ?? []))).toEqual({ ok: true, value: 1 });
    const p256 = await newDevice(undefined, 2);
    const [kp2] = must(await p256.engine.generateKeyPackages(1));
    expect(readKeyPackageSuite(Buffer.from(kp2?.message ?? []))).toEqual({ ok: true, value: 2 });
  });

  it('lets the adder see whose key package the server handed out', async () => {
    const [kp] = must(await bob.engine.generateKeyPackages(1));
    expect(must(alice.engine.inspectKeyPackage(kp?.message ?? new Uint8Array()))).toMatchObject({ suite: 1, identity: bob.identity });
    expect(alice.engine.inspectKeyPackage(Uint8Array.of(0, 1, 0, 5, 0))).toMatchObject({ ok: false, error: { code: 'mls-invalid-key-package' } });
  });

  it('reads group id, epoch, content type and committer leaf position of a commit (PublicMessage)', () => {
    const header = readMessageHeader(Buffer.from(added.commit));
    expect(header).toEqual({
      ok: true,
      value: { wireFormat: 'public', groupId: Buffer.from(groupId), epoch: 0n, contentType: 3, senderType: 1 },
    });
    expect(added.epoch).toBe(1n);
  });

  it('reads group id, epoch and content type of an application message (PrivateMessage), not its sender', async () => {
    const sent = must(await alice.engine.encrypt(added.group, text('hi')));
    expect(readMessageHeader(Buffer.from(sent.message))).toEqual({
      ok: true,
      value: { wireFormat: 'private', groupId: Buffer.from(groupId), epoch: 1n, contentType: 1, senderType: undefined },
    });
  });

  it('reads an external commit as a new-member commit at the GroupInfo epoch', async () => {
    await joinWelcome(bob, added.welcome);
    const newPhone = await newDevice(alice.identity.userId);
    const joined = must(await newPhone.engine.joinByExternalCommit(added.groupInfo));
    expect(readMessageHeader(Buffer.from(joined.commit))).toEqual({
      ok: true,
      value: { wireFormat: 'public', groupId: Buffer.from(groupId), epoch: 1n, contentType: 3, senderType: 4 },
    });
    expect(joined.added).toEqual([newPhone.identity]);
  });

  it('gets Welcome and GroupInfo as MLSMessages (wire formats 3 and 4) that it does not read further', () => {
    expect([...(added.welcome ?? new Uint8Array()).subarray(0, 4)]).toEqual([0, 1, 0, 3]);
    expect([...added.groupInfo.subarray(0, 4)]).toEqual([0, 1, 0, 4]);
    expect(readMessageHeader(Buffer.from(added.groupInfo))).toMatchObject({ ok: false, error: { code: 'mls-invalid-message' } });
  });

  it('lists the added and removed clients the commit bundle must declare', async () => {
    expect(added.added).toEqual([bob.identity]);
    const removal = must(await alice.engine.removeMembers(added.group, [bob.identity]));
    expect(removal.removed).toEqual([bob.identity]);
    expect(removal.added).toEqual([]);
    expect(removal.welcome).toBeUndefined();
  });
});
