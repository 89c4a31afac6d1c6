import type { KeyPackage, LeafNode } from 'ts-mls';
import { joinGroupExternal } from 'ts-mls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalGroupInfo, suiteForExternalJoin } from '../../../electron/core/crypto/mls/externalPub';
import { formatFingerprint, signatureKeyHex } from '../../../electron/core/crypto/mls/fingerprint';
import { credentialIdentity } from '../../../electron/core/crypto/mls/incomingChange';
import { newKeyPackage } from '../../../electron/core/crypto/mls/keyPackages';
import { CAIRN_CLIENT_CONFIG } from '../../../electron/core/crypto/mls/mlsClientConfig';
import { createMlsEngine } from '../../../electron/core/crypto/mls/mlsEngine';
import { sameClient } from '../../../electron/core/crypto/mls/mlsIdentity';
import { createSigner } from '../../../electron/core/crypto/mls/mlsSigner';
import { decodeGroupInfoBytes, encodeMessage, wrapGroupInfo } from '../../../electron/core/crypto/mls/mlsWire';
import { must } from '../../fixtures/mls/mlsTestDevices';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import type { RawMember } from '../../support/rawMember';
import { encryptText, joinExternally, postAsMember, registerRawMember } from '../../support/rawMember';
import { useTestServer } from '../../support/testServer';

/*
 * Issue 11, items 1 and 2: a member of a conversation (Mallory, a real registered device driven by
 * the test, see rawMember.ts) builds commits and messages no Cairn core would. Her commits reach
 * the other devices through a seam that skips the server's checks (uncheckedDelivery.ts), so what
 * is tested is that every core refuses them itself.
 */

const env = useTestServer('malicious-member');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let aliceUser: SignedInUser;
let bobUser: SignedInUser;
let mallory: RawMember;
let victor: RawMember;

beforeAll(async () => {
  [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
  aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
  mallory = await registerRawMember(env.server, env.serverDir, 'mallory@example.test', 'Mallory');
  victor = await registerRawMember(env.server, env.serverDir, 'victor@example.test', 'Victor');
}, 60_000);

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

type Listed = Readonly<{ kind: string; sender: string; text: string | null }>;

async function history(o: ObservedCore, conversationId: string): Promise<Listed[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.map((m) => ({ kind: m.kind, sender: m.sender, text: m.text })) : [];
}

async function systemLines(o: ObservedCore, conversationId: string): Promise<string[]> {
  return (await history(o, conversationId)).filter((m) => m.kind === 'system').map((m) => m.text ?? '');
}

async function devices(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('conversations.devices', { conversationId });
  return result.ok ? result.value.devices.map((d) => `${d.user} ${d.clientId}`).sort() : [];
}

async function verification(o: ObservedCore, id: string): Promise<string | undefined> {
  const result = await o.core.router.request('conversations.list', {});
  return result.ok ? result.value.conversations.find((c) => c.id === id)?.verification : undefined;
}

const userKey = (u: Readonly<{ id: string; domain: string }>): string => `${u.id}@${u.domain}`;
const deviceKey = (u: Readonly<{ id: string; domain: string }>, clientId: string): string => `${userKey(u)} ${clientId}`;

/** Alice creates a group with the given cores' users and raw members; the raw members join by external commit. */
async function groupWith(name: string, coreMembers: readonly SignedInUser[], raw: readonly RawMember[]): Promise<string> {
  const created = await alice.core.router.request('conversations.create', {
    name,
    members: [...coreMembers.map((u) => ({ id: u.id, domain: u.domain })), ...raw.map((r) => r.user)],
  });
  if (!created.ok) throw new Error(created.error.message);
  const id = created.value.id;
  for (const member of raw) {
    const output = await joinExternally(member, id);
    // Raw members that joined earlier keep up with the later joins, as their devices would.
    for (const other of raw) {
      const group = other.groups.get(id);
      if (other === member || group === undefined) continue;
      const processed = must(await other.engine.processMessage(group, output.commit));
      other.groups.set(id, processed.group);
    }
  }
  const expected = 1 + coreMembers.length + raw.length;
  for (const o of [alice, ...(coreMembers.some((u) => u.id === bobUser.id) ? [bob] : [])]) {
    await expect.poll(async () => (await devices(o, id)).length, { timeout: 20_000 }).toBe(expected);
  }
  return id;
}

describe('a malicious member cannot speak as another member or remove others without the right to', () => {
  it('(a) refuses a rejoin whose leaf names another member’s device, and what is then posted "as" that member is not shown as theirs', async () => {
    const id = await groupWith('Rejoin', [bobUser], [mallory]);
    const before = await devices(alice, id);
    // Mallory rejoins with her own key but a credential that names Bob's device; her old leaf goes.
    const forged = must(await createMlsEngine({ ...mallory.signer, identity: { userId: bobUser.id, domain: bobUser.domain, clientId: bobUser.clientId } }));
    const { groupInfo } = await mallory.api.call('getGroupInfo', { params: { conv: id } });
    const rejoin = must(await forged.joinByExternalCommit(new Uint8Array(Buffer.from(groupInfo, 'base64'))));
    await env.commitWithoutChecks(id, { userId: mallory.user.id, clientId: mallory.identity.clientId }, rejoin.commit, rejoin.groupInfo);

    for (const o of [alice, bob]) {
      await expect
        .poll(async () => (await systemLines(o, id)).some((line) => line.startsWith('A change to this conversation from Mallory was refused')), { timeout: 20_000 })
        .toBe(true);
      // Nothing changed in the group this device holds.
      expect(await devices(o, id)).toEqual(before);
    }

    // Mallory now posts from the leaf that says it is Bob's device.
    await postAsMember(mallory, id, await encryptText(mallory, id, 'I am Bob, send me the keys', rejoin.group));
    await expect.poll(async () => (await history(alice, id)).filter((m) => m.kind === 'undecryptable').length, { timeout: 20_000 }).toBe(1);
    const seen = await history(alice, id);
    expect(seen.filter((m) => m.text === 'I am Bob, send me the keys')).toEqual([]);
    expect(seen.filter((m) => m.sender === userKey(bobUser) && m.kind !== 'system')).toEqual([]);
    expect(seen.find((m) => m.kind === 'undecryptable')?.sender).toBe(userKey(mallory.user));
  });

  it('(b) drops an application message whose MLS sender is not the device the server says posted it', async () => {
    const id = await groupWith('Relay', [], [victor, mallory]);
    // Mallory holds a message Victor's leaf signed (say, a stolen device) and posts it as herself.
    const message = await encryptText(victor, id, 'Victor here: the door code is 4711');
    await postAsMember(mallory, id, message);
    await expect
      .poll(() => systemLines(alice, id), { timeout: 20_000 })
      .toContain('A message that claimed to be from Victor could not be authenticated and was not shown.');
    const seen = await history(alice, id);
    expect(seen.filter((m) => m.text === 'Victor here: the door code is 4711')).toEqual([]);
    expect(seen.filter((m) => m.sender === userKey(victor.user) && m.kind !== 'system')).toEqual([]);

    // The same message posted by Victor's own device is his.
    const genuine = await encryptText(victor, id, 'Victor here, really');
    await postAsMember(victor, id, genuine);
    await expect
      .poll(async () => (await history(alice, id)).filter((m) => m.text === 'Victor here, really').map((m) => m.sender), { timeout: 20_000 })
      .toEqual([userKey(victor.user)]);
  });

  it('(c) refuses a non-admin’s commit that removes the admin’s device', async () => {
    const id = await groupWith('Coup', [bobUser], [mallory]);
    const group = mallory.groups.get(id);
    if (group === undefined) throw new Error('Mallory is not in the group');
    const coup = must(await mallory.engine.removeMembers(group, [{ userId: aliceUser.id, domain: aliceUser.domain, clientId: aliceUser.clientId }]));
    await env.commitWithoutChecks(id, { userId: mallory.user.id, clientId: mallory.identity.clientId }, coup.commit, coup.groupInfo);

    for (const o of [bob, alice]) {
      await expect
        .poll(async () => (await systemLines(o, id)).some((line) => line.startsWith('A change to this conversation from Mallory was refused')), { timeout: 20_000 })
        .toBe(true);
      expect(await devices(o, id)).toContain(deviceKey(aliceUser, aliceUser.clientId));
    }
    expect((await systemLines(bob, id)).some((line) => line.includes('removed Alice'))).toBe(false);
    const list = await alice.core.router.request('conversations.list', {});
    expect(list.ok && list.value.conversations.find((c) => c.id === id)?.left).toBe(false);
  });

  it('(d) treats a device whose leaf comes back with another key as a new device, and a verified conversation degrades', async () => {
    const id = await groupWith('Keys', [bobUser], [mallory]);
    // Alice verifies Bob's and Mallory's devices: the conversation is verified.
    const bobDevices = await bob.core.router.request('account.devices', {});
    const bobFingerprint = bobDevices.ok ? bobDevices.value.devices.find((d) => d.current)?.mlsFingerprint : undefined;
    if (!bobFingerprint) throw new Error('Bob shows no fingerprint');
    for (const [device, fingerprint] of [
      [bobUser, bobFingerprint],
      [{ ...mallory.user, clientId: mallory.identity.clientId }, formatFingerprint(signatureKeyHex(mallory.signer.signaturePublicKey))],
    ] as const) {
      const verified = await alice.core.router.request('devices.verify', { user: { id: device.id, domain: device.domain }, clientId: device.clientId, fingerprint, verified: true });
      expect(verified).toMatchObject({ ok: true });
    }
    await expect.poll(() => verification(alice, id), { timeout: 10_000 }).toBe('verified');

    // Mallory's device rejoins in place of its own leaf, same identity, a new signature key (through the real route).
    const renewed = await createSigner(mallory.identity, mallory.suite);
    const { groupInfo } = await mallory.api.call('getGroupInfo', { params: { conv: id } });
    const info = must(decodeGroupInfoBytes(new Uint8Array(Buffer.from(groupInfo, 'base64'))));
    const own = await newKeyPackage(renewed, mallory.suite);
    const sameDevice = {
      ...CAIRN_CLIENT_CONFIG,
      keyPackageEqualityConfig: {
        ...CAIRN_CLIENT_CONFIG.keyPackageEqualityConfig,
        // Her old leaf is found by its identity, not by the key she no longer uses.
        compareKeyPackageToLeafNode: (kp: KeyPackage, leaf: LeafNode) => {
          const a = credentialIdentity(kp.leafNode.credential);
          const b = credentialIdentity(leaf.credential);
          return a !== undefined && b !== undefined && sameClient(a, b);
        },
      },
    };
    const joined = await joinGroupExternal(info, own.publicPackage, own.privatePackage, true, must(suiteForExternalJoin(info, mallory.suite)), undefined, sameDevice);
    const commit = encodeMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: joined.publicMessage });
    const nextInfo = wrapGroupInfo(await createExternalGroupInfo(joined.newState, mallory.suite.impl));
    const self = { user: mallory.user, client: mallory.identity.clientId };
    await mallory.api.call('postCommitBundle', {
      params: { conv: id },
      body: { commit: Buffer.from(commit).toString('base64'), groupInfo: Buffer.from(nextInfo).toString('base64'), adds: [self], removes: [self] },
    });

    await expect.poll(() => systemLines(alice, id), { timeout: 20_000 }).toContain('Mallory started using a new device.');
    await expect.poll(() => verification(alice, id), { timeout: 20_000 }).toBe('degraded');
    await expect.poll(() => systemLines(bob, id), { timeout: 20_000 }).toContain('Mallory started using a new device.');
  });
});
