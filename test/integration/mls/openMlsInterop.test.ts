import { beforeAll, describe, expect, it } from 'vitest';
import { createGroupInfoWithExternalPubAndRatchetTree, encodeMlsMessage } from 'ts-mls';
import { loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import type { CoreCryptoModule } from '../../fixtures/mls/coreCryptoWasm';
import { loadCoreCrypto } from '../../fixtures/mls/coreCryptoWasm';
import type { TestDevice } from '../../fixtures/mls/mlsTestDevices';
import { joinWelcome, keyPackageOf, must, newDevice, read, text, user } from '../../fixtures/mls/mlsTestDevices';
import { OpenMlsClient } from '../../fixtures/mls/openMlsClient';

/*
 * Interop between Cairn's engine (ts-mls 1.6.4) and OpenMLS (Wire core-crypto 10.3.0, WASM),
 * in both directions and for external joins, in Cairn's default suite (1, X25519) and in
 * Wire's cloud default (2, P-256).
 */

let counter = 0x100;
const deviceOf = (userNumber: number) => ({ userId: user(userNumber), clientId: (counter++).toString(16).padStart(16, '0'), domain: 'cairn.test' });

async function readAs(device: TestDevice, group: MlsGroup, message: Uint8Array): Promise<{ group: MlsGroup; text: string; sender: string }> {
  const inbound = must(await device.engine.processMessage(group, message));
  if (inbound.kind !== 'application') throw new Error(`expected an application message, got ${inbound.kind}`);
  return { group: inbound.group, text: read(inbound.plaintext), sender: inbound.sender.clientId };
}

async function apply(device: TestDevice, group: MlsGroup, commit: Uint8Array): Promise<MlsGroup> {
  const inbound = must(await device.engine.processMessage(group, commit));
  expect(inbound.kind).toBe('commit');
  return inbound.group;
}

describe.each([1, 2] as const)('MLS interop with OpenMLS (core-crypto 10.3.0 WASM) in suite %i', (suite) => {
  let cc: CoreCryptoModule;
  beforeAll(async () => {
    cc = await loadCoreCrypto();
    expect(cc.version()).toBe('10.3.0');
  });

  it('OpenMLS joins a Cairn group from its Welcome; they exchange messages and commits; removal locks it out', async () => {
    const alice = await newDevice(user(1), suite);
    const open = await OpenMlsClient.create(cc, deviceOf(2), suite);
    let group = must(await alice.engine.createGroup(text('cairn-created')));
    const added = must(await alice.engine.addMembers(group, [await open.keyPackage()]));
    expect(added.added).toEqual([open.identity]);
    group = added.group;
    const conversation = await open.joinFromWelcome(added.welcome ?? new Uint8Array());
    expect(await open.epoch(conversation)).toBe(1n);

    const hello = must(await alice.engine.encrypt(group, text('hello OpenMLS')));
    group = hello.group;
    expect(read((await open.decrypt(conversation, hello.message)) ?? new Uint8Array())).toBe('hello OpenMLS');
    const reply = await readAs(alice, group, await open.encrypt(conversation, text('hello Cairn')));
    group = reply.group;
    expect(reply).toMatchObject({ text: 'hello Cairn', sender: open.identity.clientId });

    group = await apply(alice, group, (await open.update(conversation)).commit);
    const update = must(await alice.engine.selfUpdate(group));
    group = update.group;
    expect(await open.decrypt(conversation, update.commit)).toBeUndefined();
    expect(await open.epoch(conversation)).toBe(group.state.groupContext.epoch);
    const later = must(await alice.engine.encrypt(group, text('epoch 3')));
    group = later.group;
    expect(read((await open.decrypt(conversation, later.message)) ?? new Uint8Array())).toBe('epoch 3');

    const removal = must(await alice.engine.removeMembers(group, [open.identity]));
    group = removal.group;
    await open.decrypt(conversation, removal.commit);
    const secret = must(await alice.engine.encrypt(group, text('not for OpenMLS')));
    await expect(open.decrypt(conversation, secret.message)).rejects.toBeDefined();
  });

  it('a Cairn device joins an OpenMLS group from its Welcome and they exchange messages', async () => {
    const open = await OpenMlsClient.create(cc, deviceOf(3), suite);
    const bob = await newDevice(user(4), suite);
    const conversation = await open.createConversation(text('openmls-created'));
    const bundle = await open.add(conversation, [await keyPackageOf(bob)]);
    let group = await joinWelcome(bob, bundle.welcome);
    expect(group.state.groupContext.epoch).toBe(1n);
    const fromOpen = await readAs(bob, group, await open.encrypt(conversation, text('hi from the OpenMLS creator')));
    group = fromOpen.group;
    expect(fromOpen).toMatchObject({ text: 'hi from the OpenMLS creator', sender: open.identity.clientId });
    const sent = must(await bob.engine.encrypt(group, text('hi from Cairn')));
    expect(read((await open.decrypt(conversation, sent.message)) ?? new Uint8Array())).toBe('hi from Cairn');
    group = sent.group;
    const removal = await open.remove(conversation, [bob.identity]);
    const inbound = must(await bob.engine.processMessage(group, removal.commit));
    expect(inbound.kind === 'commit' && inbound.selfRemoved).toBe(true);
  });

  it('a Cairn device joins an OpenMLS group by external commit (reads the RFC 9420 external_pub)', async () => {
    const open = await OpenMlsClient.create(cc, deviceOf(5), suite);
    const bob = await newDevice(user(6), suite);
    const conversation = await open.createConversation(text('openmls-external'));
    const bundle = await open.add(conversation, [await keyPackageOf(bob)]);
    let bobGroup = await joinWelcome(bob, bundle.welcome);
    const bobPhone = await newDevice(user(6), suite);
    const joined = must(await bobPhone.engine.joinByExternalCommit(bundle.groupInfo));
    expect(await open.decrypt(conversation, joined.commit)).toBeUndefined();
    bobGroup = await apply(bob, bobGroup, joined.commit);
    const sent = must(await bobPhone.engine.encrypt(joined.group, text('new phone here')));
    expect(read((await open.decrypt(conversation, sent.message)) ?? new Uint8Array())).toBe('new phone here');
    expect((await readAs(bob, bobGroup, sent.message)).text).toBe('new phone here');
    const back = await readAs(bobPhone, sent.group, await open.encrypt(conversation, text('welcome, phone')));
    expect(back.text).toBe('welcome, phone');
  });

  it('OpenMLS joins a Cairn group by external commit (the GroupInfo we write carries the length prefix)', async () => {
    const [dave, erin] = [await newDevice(user(7), suite), await newDevice(user(8), suite)];
    const added = must(await dave.engine.addMembers(must(await dave.engine.createGroup(text('cairn-external'))), [await keyPackageOf(erin)]));
    let daveGroup = added.group;
    let erinGroup = await joinWelcome(erin, added.welcome);
    const open = await OpenMlsClient.create(cc, deviceOf(7), suite);
    const { conversation, bundle } = await open.joinByExternalCommit(added.groupInfo);
    daveGroup = await apply(dave, daveGroup, bundle.commit);
    erinGroup = await apply(erin, erinGroup, bundle.commit);
    const hello = await open.encrypt(conversation, text('joined from a Cairn GroupInfo'));
    expect((await readAs(dave, daveGroup, hello)).text).toBe('joined from a Cairn GroupInfo');
    const reply = await readAs(erin, erinGroup, hello);
    expect(reply.sender).toBe(open.identity.clientId);
    const sent = must(await erin.engine.encrypt(reply.group, text('hi OpenMLS')));
    expect(read((await open.decrypt(conversation, sent.message)) ?? new Uint8Array())).toBe('hi OpenMLS');
  });

  it('control: OpenMLS refuses the GroupInfo unpatched ts-mls writes (bare external_pub)', async () => {
    const dave = await newDevice(user(9), suite);
    const group = must(await dave.engine.createGroup(text('cairn-legacy')));
    const legacy = await createGroupInfoWithExternalPubAndRatchetTree(group.state, [], must(await loadSuite(suite)).impl);
    const open = await OpenMlsClient.create(cc, deviceOf(10), suite);
    await expect(open.joinByExternalCommit(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: legacy }))).rejects.toBeDefined();
    const fixed = await open.joinByExternalCommit(must(await dave.engine.groupInfo(group)));
    expect(await open.epoch(fixed.conversation)).toBe(1n);
  });
});
