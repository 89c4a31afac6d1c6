import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClientState, KeyPackage, PrivateKeyPackage, Proposal } from 'ts-mls';
import { createCommit, defaultCapabilities, defaultLifetime, emptyPskIndex, encodeMlsMessage, generateKeyPackage, generateKeyPackageWithKey, joinGroup, joinGroupExternal } from 'ts-mls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import { suiteForExternalJoin } from '../../../electron/core/crypto/mls/externalPub';
import { CAIRN_CLIENT_CONFIG } from '../../../electron/core/crypto/mls/mlsClientConfig';
import { decodeGroupInfoBytes, decodeWelcomeBytes } from '../../../electron/core/crypto/mls/mlsWire';
import type { LoadedSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import { ConversationSchema, GroupInfoResponseSchema } from '../../../protocol';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { fetchNotifications } from './support/notifications';
import { commitBytes, fakeOpaque, identityOf } from './support/mls';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestClient } from './support/users';
import { addClient, userWithClient } from './support/users';

/*
 * Security review items 1 and 2: a group member hand-crafts commits whose real proposals differ
 * from what the bundle declares. Alice (admin) and Bob are real cores; Mallory is a real member
 * of their group (added by Alice's core, joined from its Welcome) who drives ts-mls directly with
 * her own signer and group state. Every one of these commits was accepted before the server
 * parsed commits; now each is refused and the group goes on as before.
 */

const encoder = new TextEncoder();

describe('commits whose proposals do not match what their bundle declares', () => {
  let t: TestServer;
  let root: string;
  const cores: ObservedCore[] = [];
  let alice: ObservedCore;
  let bob: ObservedCore;
  let aliceUser: SignedInUser;
  let bobUser: SignedInUser;
  let mallory: TestClient;
  let mallory2: TestClient;
  let suite: LoadedSuite;
  let malloryKeys: Readonly<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }>;
  let malloryState: ClientState;
  let conversationId: string;

  const ref = (user: Readonly<{ id: string }>, client: string) => ({ user: { id: user.id, domain: 'cairn.test' }, client });
  const post = (body: Readonly<{ commit: Uint8Array; adds?: unknown[]; removes?: unknown[]; welcome?: boolean }>) =>
    t.api.post(`/conversations/${conversationId}/mls/commit-bundles`, {
      token: mallory.clientToken,
      body: {
        commit: Buffer.from(body.commit).toString('base64'),
        ...(body.welcome ? { welcome: fakeOpaque(3) } : {}),
        groupInfo: fakeOpaque(4),
        adds: body.adds ?? [],
        removes: body.removes ?? [],
      },
    });

  /**
   * A key package Mallory made whose credential names `identity`: signed with her own signature
   * key (to replace her leaf), or with a fresh one (a leaf may not share a key with another).
   */
  async function keyPackageNaming(identity: string, keys: 'mallory' | 'fresh' = 'fresh') {
    const credential = { credentialType: 'basic' as const, identity: encoder.encode(identity) };
    if (keys === 'fresh') return generateKeyPackage(credential, defaultCapabilities(), defaultLifetime, [], suite.impl);
    return generateKeyPackageWithKey(
      credential,
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: malloryKeys.privatePackage.signaturePrivateKey, publicKey: malloryKeys.publicPackage.leafNode.signaturePublicKey },
      suite.impl,
    );
  }

  /** A commit from Mallory's real state carrying `proposals`; never adopted, so her state stays current. */
  async function malloryCommit(proposals: Proposal[], state: ClientState = malloryState): Promise<Uint8Array> {
    const made = await createCommit({ state, cipherSuite: suite.impl }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
    return encodeMlsMessage(made.commit);
  }

  function leafOf(state: ClientState, identity: string): number {
    const node = state.ratchetTree.findIndex((entry) => entry?.nodeType === 'leaf' && entry.leaf.credential.credentialType === 'basic' && new TextDecoder().decode(entry.leaf.credential.identity) === identity);
    if (node < 0) throw new Error(`${identity} has no leaf`);
    return node / 2;
  }

  async function texts(o: ObservedCore): Promise<string[]> {
    const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
    return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
  }

  async function groupDevices(): Promise<string[]> {
    const response = await t.api.get(`/conversations/${conversationId}`, { token: mallory.token });
    return ConversationSchema.parse(response.body).clients.map((c) => c.client).sort();
  }

  /** The device's long-term MLS signature key (seed 002: one per device and suite), made at its first upload. */
  const deviceKeys = new Map<string, Awaited<ReturnType<typeof suite.impl.signature.keygen>>>();
  /** A key package `device` made and uploaded itself, signed with its own long-term key. */
  async function uploadOwnPackage(device: TestClient) {
    let keys = deviceKeys.get(device.clientId);
    if (keys === undefined) {
      keys = await suite.impl.signature.keygen();
      deviceKeys.set(device.clientId, keys);
    }
    const made = await generateKeyPackageWithKey(
      { credentialType: 'basic', identity: encoder.encode(identityOf(device)) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: keys.signKey, publicKey: keys.publicKey },
      suite.impl,
    );
    const uploaded = await t.api.post(`/mls/key-packages/self/${device.clientId}`, {
      token: device.clientToken,
      body: { keyPackages: [Buffer.from(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: made.publicPackage })).toString('base64')] },
    });
    expect(uploaded.status, uploaded.raw.toString()).toBe(201);
    return made;
  }

  const refused = async (response: Awaited<ReturnType<typeof post>>, code = 'mls-client-mismatch') => {
    expect(response.body, response.raw.toString()).toMatchObject({ code });
    expect(response.status).toBeGreaterThanOrEqual(400);
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cairn-malicious-'));
    t = await startTestServer({ dataDir: path.join(root, 'server') });
    const loaded = await loadSuite(1);
    if (!loaded.ok) throw new Error(loaded.error.message);
    suite = loaded.value;
    [alice, bob] = startCores(root, cores, 'alice', 'bob');
    aliceUser = await registerThroughCore(alice, t.server, root, 'alice@example.test', 'Alice');
    bobUser = await registerThroughCore(bob, t.server, root, 'bob@example.test', 'Bob');
    mallory = await userWithClient(t.api, t.dataDir, 'Mallory');
    mallory2 = await addClient(t.api, mallory);
    malloryKeys = await generateKeyPackageWithKey(
      { credentialType: 'basic', identity: encoder.encode(identityOf(mallory)) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      await (async () => {
        const pair = await suite.impl.signature.keygen();
        return { signKey: pair.signKey, publicKey: pair.publicKey };
      })(),
      suite.impl,
    );
    const uploaded = await t.api.post(`/mls/key-packages/self/${mallory.clientId}`, {
      token: mallory.clientToken,
      body: { keyPackages: [Buffer.from(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: malloryKeys.publicPackage })).toString('base64')] },
    });
    expect(uploaded.status, uploaded.raw.toString()).toBe(201);

    const created = await alice.core.router.request('conversations.create', {
      name: 'Crew',
      members: [
        { id: bobUser.id, domain: bobUser.domain },
        { id: mallory.id, domain: 'cairn.test' },
      ],
    });
    if (!created.ok) throw new Error(created.error.message);
    conversationId = created.value.id;
    const welcomeEvent = (await fetchNotifications(t.api, mallory)).find((n) => n.event.type === 'conversation.mls-welcome');
    if (welcomeEvent?.event.type !== 'conversation.mls-welcome') throw new Error('Mallory got no Welcome');
    const welcome = decodeWelcomeBytes(Buffer.from(welcomeEvent.event.data, 'base64'));
    if (!welcome.ok) throw new Error(welcome.error.message);
    malloryState = await joinGroup(welcome.value, malloryKeys.publicPackage, malloryKeys.privatePackage, emptyPskIndex, suite.impl, undefined, undefined, CAIRN_CLIENT_CONFIG);
    await alice.core.router.request('messages.send', { conversationId, text: 'hello crew' });
    const deadline = Date.now() + 15_000;
    while (!(await texts(bob)).includes('hello crew')) {
      if (Date.now() > deadline) throw new Error('Bob never read the first message');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(cores.map((c) => c.core.close()));
    await t.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("refuses a non-admin's commit that removes the admin's device while declaring no removes; the admin stays and can still send", async () => {
    const removeAlice: Proposal = { proposalType: 'remove', remove: { removed: leafOf(malloryState, identityOf({ id: aliceUser.id, clientId: aliceUser.clientId })) } };
    const before = await groupDevices();
    await refused(await post({ commit: await malloryCommit([removeAlice]) }));
    // Declared truthfully, the rule for removing others' devices applies: only admins may.
    await refused(await post({ commit: await malloryCommit([removeAlice]), removes: [ref(aliceUser, aliceUser.clientId)] }), 'action-denied');
    expect(await groupDevices()).toEqual(before);
    expect(await groupDevices()).toContain(aliceUser.clientId);
    expect(await alice.core.router.request('messages.send', { conversationId, text: 'alice still here' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(bob), { timeout: 15_000 }).toContain('alice still here');
  });

  it("refuses an external rejoin whose new leaf names another member's device", async () => {
    const info = GroupInfoResponseSchema.parse((await t.api.get(`/conversations/${conversationId}/mls/group-info`, { token: mallory.token })).body);
    const groupInfo = decodeGroupInfoBytes(Buffer.from(info.groupInfo, 'base64'));
    if (!groupInfo.ok) throw new Error(groupInfo.error.message);
    const impl = suiteForExternalJoin(groupInfo.value, suite);
    if (!impl.ok) throw new Error(impl.error.message);
    const asBob = await keyPackageNaming(identityOf({ id: bobUser.id, clientId: bobUser.clientId }), 'mallory');
    // Mallory's own leaf is found by her signature key, so the commit replaces it, as a resync does.
    const config = {
      ...CAIRN_CLIENT_CONFIG,
      keyPackageEqualityConfig: {
        ...CAIRN_CLIENT_CONFIG.keyPackageEqualityConfig,
        compareKeyPackageToLeafNode: (a: KeyPackage, leaf: KeyPackage['leafNode']) => Buffer.from(a.leafNode.signaturePublicKey).equals(leaf.signaturePublicKey),
      },
    };
    const joined = await joinGroupExternal(groupInfo.value, asBob.publicPackage, asBob.privatePackage, true, impl.value, undefined, config);
    const commit = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: joined.publicMessage });
    const me = ref(mallory, mallory.clientId);
    await refused(await post({ commit, adds: [me], removes: [me] }));
    await refused(await post({ commit, adds: [ref(bobUser, bobUser.clientId)], removes: [me] }));
  });

  it("refuses a commit adding a key package whose credential names another member's device or a non-member's", async () => {
    const eve = await userWithClient(t.api, t.dataDir, 'Eve');
    for (const named of [identityOf({ id: bobUser.id, clientId: bobUser.clientId }), identityOf(eve)]) {
      const forged = await keyPackageNaming(named);
      const commit = await malloryCommit([{ proposalType: 'add', add: { keyPackage: forged.publicPackage } }]);
      await refused(await post({ commit, adds: [ref(mallory, mallory2.clientId)], welcome: true }));
    }
    expect(await groupDevices()).not.toContain(mallory2.clientId);
  });

  it('refuses a commit whose own new leaf names another device', async () => {
    const ownLeaf = leafOf(malloryState, identityOf(mallory));
    const node = malloryState.ratchetTree[ownLeaf * 2];
    if (node?.nodeType !== 'leaf') throw new Error('no own leaf');
    const tree = [...malloryState.ratchetTree];
    tree[ownLeaf * 2] = { ...node, leaf: { ...node.leaf, credential: { credentialType: 'basic', identity: encoder.encode(identityOf({ id: bobUser.id, clientId: bobUser.clientId })) } } };
    await refused(await post({ commit: await malloryCommit([], { ...malloryState, ratchetTree: tree }) }));
  });

  it('refuses declared adds and removes that the proposals do not carry', async () => {
    const ownPackage = await keyPackageNaming(identityOf(mallory2));
    const addMallory2: Proposal = { proposalType: 'add', add: { keyPackage: ownPackage.publicPackage } };
    await refused(await post({ commit: await malloryCommit([addMallory2]), welcome: true }));
    await refused(await post({ commit: await malloryCommit([]), adds: [ref(mallory, mallory2.clientId)], welcome: true }));
    await refused(await post({ commit: await malloryCommit([]), removes: [ref(mallory, mallory.clientId)] }));
    expect(await groupDevices()).not.toContain(mallory2.clientId);
  });

  it('refuses as unreadable what the server cannot check: proposals by reference, other proposal types, encrypted commits', async () => {
    const byReference = await commitBytes({ groupId: malloryState.groupContext.groupId, epoch: Number(malloryState.groupContext.epoch), from: leafOf(malloryState, identityOf(mallory)), byReference: true, removes: [0] });
    await refused(await post({ commit: byReference }), 'mls-invalid-message');
    const extensions = await malloryCommit([{ proposalType: 'group_context_extensions', groupContextExtensions: { extensions: [] } }]);
    await refused(await post({ commit: extensions }), 'mls-invalid-message');
    const encrypted = await createCommit({ state: malloryState, cipherSuite: suite.impl }, { wireAsPublicMessage: false });
    await refused(await post({ commit: encodeMlsMessage(encrypted.commit) }), 'mls-invalid-message');
    await refused(await post({ commit: randomBytes(300) }), 'mls-invalid-message');
  });

  it('refuses to add a device with a key package that device did not upload (another signature key than the one it registered)', async () => {
    const addMallory2 = async () => {
      const made = await keyPackageNaming(identityOf(mallory2));
      return post({ commit: await malloryCommit([{ proposalType: 'add', add: { keyPackage: made.publicPackage } }]), adds: [ref(mallory, mallory2.clientId)], welcome: true });
    };
    // Before the device uploaded anything, nobody can bring it into a group under its name…
    await refused(await addMallory2());
    // …and after it registered its key with its own packages, only that key will do.
    await uploadOwnPackage(mallory2);
    await refused(await addMallory2());
    expect(await groupDevices()).not.toContain(mallory2.clientId);
  });

  it('refuses a key package upload that carries another signature key than the device registered', async () => {
    await uploadOwnPackage(mallory2);
    const other = await keyPackageNaming(identityOf(mallory2));
    const response = await t.api.post(`/mls/key-packages/self/${mallory2.clientId}`, {
      token: mallory2.clientToken,
      body: { keyPackages: [Buffer.from(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: other.publicPackage })).toString('base64')] },
    });
    await refused(response);
  });

  it('still accepts honest commits from the same member and from the cores', async () => {
    const ownPackage = await uploadOwnPackage(mallory2);
    const commit = await malloryCommit([{ proposalType: 'add', add: { keyPackage: ownPackage.publicPackage } }]);
    const accepted = await post({ commit, adds: [ref(mallory, mallory2.clientId)], welcome: true });
    expect(accepted.status, accepted.raw.toString()).toBe(201);
    expect(await groupDevices()).toContain(mallory2.clientId);
    // Alice's core processes Mallory's commit and removes Mallory (both devices) as an admin may.
    await expect.poll(async () => (await alice.core.router.request('messages.send', { conversationId, text: 'after the add' })).ok, { timeout: 15_000 }).toBe(true);
    const removed = await alice.core.router.request('conversations.removeMember', { conversationId, member: { id: mallory.id, domain: 'cairn.test' } });
    expect(removed, JSON.stringify(removed)).toMatchObject({ ok: true });
    await alice.core.router.request('messages.send', { conversationId, text: 'just us' });
    await expect.poll(() => texts(bob), { timeout: 15_000 }).toContain('just us');
  });
});
