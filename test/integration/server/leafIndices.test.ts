import { serverQuery } from '../../support/serverDatabase';
import type { CiphersuiteImpl, ClientState, KeyPackage, MLSMessage, PrivateKeyPackage, Proposal } from 'ts-mls';
import {
  acceptAll,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeMlsMessage,
  defaultCapabilities,
  defaultCryptoProvider,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroupExternal,
  processMessage,
} from 'ts-mls';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupInfoResponseSchema } from '../../../protocol';
import type { Conversation } from '../../../protocol';
import { createGroup as createConversation } from './support/conversations';
import { fakeOpaque, identityOf } from './support/mls';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestClient } from './support/users';
import { addClient, userWithClient } from './support/users';

/*
 * The server's leaf index of each device (RFC 9420 §7.7, §7.8, §12.3, §12.4.3.2 as
 * `server/conversations/leaves.ts` computes it) against the ratchet tree ts-mls itself builds,
 * after adds into holes, removes (also of the rightmost leaves, which truncates the tree),
 * a commit listing its Add before its Remove, an external join and an external rejoin.
 */

const encoder = new TextEncoder();
const LeafRowSchema = z.object({ user_id: z.string(), client_id: z.string(), leaf_index: z.number().int().nullable() });

type Device = Readonly<{ client: TestClient; signKey: Uint8Array; publicKey: Uint8Array }>;

describe('leaf indices kept by the server', () => {
  let t: TestServer;
  let cs: CiphersuiteImpl;
  beforeAll(async () => {
    t = await startTestServer();
    cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'), defaultCryptoProvider);
  });
  afterAll(async () => t.stop());

  /** A device with its long-term signature key, registered at the server by uploading a key package of its own. */
  async function device(client: TestClient): Promise<Device> {
    const keys = await cs.signature.keygen();
    const made: Device = { client, signKey: keys.signKey, publicKey: keys.publicKey };
    const uploaded = await t.api.post(`/mls/key-packages/self/${client.clientId}`, {
      token: client.clientToken,
      body: { keyPackages: [encode({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: (await keyPackage(made)).publicPackage })] },
    });
    expect(uploaded.status, uploaded.raw.toString()).toBe(201);
    return made;
  }

  async function keyPackage(d: Device): Promise<Readonly<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }>> {
    return generateKeyPackageWithKey(
      { credentialType: 'basic', identity: encoder.encode(identityOf(d.client)) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: d.signKey, publicKey: d.publicKey },
      cs,
    );
  }

  const encode = (message: MLSMessage) => Buffer.from(encodeMlsMessage(message)).toString('base64');
  const ref = (d: Device) => ({ user: { id: d.client.id, domain: 'cairn.test' }, client: d.client.clientId });

  async function serverLeaves(conversation: Conversation): Promise<string[]> {
    const rows = z.array(LeafRowSchema).parse(await serverQuery(t.dataDir, 'SELECT user_id, client_id, leaf_index FROM group_clients WHERE conv_id = $1', [conversation.qualifiedId.id]));
    return rows.map((row) => `${row.leaf_index ?? 'null'}=${row.user_id}:${row.client_id}`).sort();
  }

  function treeLeaves(state: ClientState): string[] {
    const leaves: string[] = [];
    state.ratchetTree.forEach((node, index) => {
      if (index % 2 !== 0 || node?.nodeType !== 'leaf' || node.leaf.credential.credentialType !== 'basic') return;
      const [userId, rest] = new TextDecoder().decode(node.leaf.credential.identity).split(':');
      leaves.push(`${index / 2}=${userId}:${(rest ?? '').split('@')[0]?.padStart(16, '0')}`);
    });
    return leaves.sort();
  }

  function leafOf(state: ClientState, d: Device): number {
    const identity = identityOf(d.client);
    const node = state.ratchetTree.findIndex((n) => n?.nodeType === 'leaf' && n.leaf.credential.credentialType === 'basic' && new TextDecoder().decode(n.leaf.credential.identity) === identity);
    expect(node).toBeGreaterThanOrEqual(0);
    return node / 2;
  }

  it('matches the tree ts-mls builds through adds, removes, truncation, mixed commits and external joins', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, (_, i) => userWithClient(t.api, t.dataDir, `User ${i}`)));
    const [u0, u1, u2, u3, u4] = users;
    if (!u0 || !u1 || !u2 || !u3 || !u4) throw new Error('users missing');
    const clients = [u0, u1, u2, u3, u4, await addClient(t.api, u1), await addClient(t.api, u2), await addClient(t.api, u3), await addClient(t.api, u4)];
    const devices = await Promise.all(clients.map(device));
    const [a, d1, d2, d3, d4, d5, d6, d7, d8] = devices;
    if (!a || !d1 || !d2 || !d3 || !d4 || !d5 || !d6 || !d7 || !d8) throw new Error('devices missing');
    const conversation = await createConversation(t.api, u0, [u1, u2, u3, u4]);
    const route = `/conversations/${conversation.qualifiedId.id}/mls/commit-bundles`;
    const own = await keyPackage(a);
    let state = await createGroup(Buffer.from(conversation.groupId, 'base64'), own.publicPackage, own.privatePackage, [], cs);
    expect(await serverLeaves(conversation)).toEqual(treeLeaves(state));

    /** Alice commits `proposals` and posts them declaring `adds`/`removes`; the server must agree with the tree. */
    const commitByAlice = async (proposals: Proposal[], adds: Device[], removes: Device[]) => {
      const made = await createCommit({ state, cipherSuite: cs }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
      const posted = await t.api.post(route, {
        token: a.client.clientToken,
        body: {
          commit: encode(made.commit),
          ...(adds.length > 0 ? { welcome: fakeOpaque(3) } : {}),
          groupInfo: encode({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: await createGroupInfoWithExternalPubAndRatchetTree(made.newState, [], cs) }),
          adds: adds.map(ref),
          removes: removes.map(ref),
        },
      });
      expect(posted.status, posted.raw.toString()).toBe(201);
      state = made.newState;
      expect(await serverLeaves(conversation)).toEqual(treeLeaves(state));
    };
    const add = async (d: Device): Promise<Proposal> => ({ proposalType: 'add', add: { keyPackage: (await keyPackage(d)).publicPackage } });
    const remove = (d: Device): Proposal => ({ proposalType: 'remove', remove: { removed: leafOf(state, d) } });

    /** `d` joins (or rejoins, replacing its own leaf) by external commit; Alice processes it. */
    const external = async (d: Device, rejoin: boolean) => {
      const info = GroupInfoResponseSchema.parse((await t.api.get(`/conversations/${conversation.qualifiedId.id}/mls/group-info`, { token: d.client.token })).body);
      const decoded = decodeMlsMessage(Buffer.from(info.groupInfo, 'base64'), 0)?.[0];
      if (decoded?.wireformat !== 'mls_group_info') throw new Error('no GroupInfo');
      const keys = await keyPackage(d);
      const joined = await joinGroupExternal(decoded.groupInfo, keys.publicPackage, keys.privatePackage, rejoin, cs);
      const message: MLSMessage = { version: 'mls10', wireformat: 'mls_public_message', publicMessage: joined.publicMessage };
      const posted = await t.api.post(route, {
        token: d.client.clientToken,
        body: {
          commit: encode(message),
          groupInfo: encode({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: await createGroupInfoWithExternalPubAndRatchetTree(joined.newState, [], cs) }),
          adds: [ref(d)],
          removes: rejoin ? [ref(d)] : [],
        },
      });
      expect(posted.status, posted.raw.toString()).toBe(201);
      const processed = await processMessage(message, state, emptyPskIndex, acceptAll, cs);
      if (processed.kind !== 'newState') throw new Error('Alice could not process the external commit');
      state = processed.newState;
      expect(treeLeaves(joined.newState)).toEqual(treeLeaves(state));
      expect(await serverLeaves(conversation)).toEqual(treeLeaves(state));
    };

    await commitByAlice(await Promise.all([d1, d2, d3, d4, d5].map(add)), [d1, d2, d3, d4, d5], []);
    await commitByAlice([remove(d2), remove(d4)], [], [d2, d4]);
    await commitByAlice([await add(d6)], [d6], []);
    // ts-mls 1.6.4 refuses to join from a tree with unmerged leaves, which an add-only commit
    // (no path) leaves behind; a self-update (which changes no leaf) merges them first.
    await commitByAlice([], [], []);
    await external(d7, false);
    await external(d3, true);
    // Removing the rightmost leaves truncates the tree; the next adds extend it again.
    await commitByAlice([remove(d5), remove(d7)], [], [d5, d7]);
    await commitByAlice([await add(d8), await add(d2)], [d8, d2], []);
    // The Add is listed before the Remove, but removes are applied first (RFC 9420 §12.3).
    await commitByAlice([await add(d4), remove(d1)], [d4], [d1]);
  });

  it('initialises the leaves of a group from before migration 0007 from its stored GroupInfo, then keeps them', async () => {
    const [u0, u1, u2] = await Promise.all([0, 1, 2].map((i) => userWithClient(t.api, t.dataDir, `Old ${i}`)));
    if (!u0 || !u1 || !u2) throw new Error('users missing');
    const [a, b, c] = await Promise.all([u0, u1, u2].map(device));
    if (!a || !b || !c) throw new Error('devices missing');
    const conversation = await createConversation(t.api, u0, [u1, u2]);
    const route = `/conversations/${conversation.qualifiedId.id}/mls/commit-bundles`;
    const own = await keyPackage(a);
    let state = await createGroup(Buffer.from(conversation.groupId, 'base64'), own.publicPackage, own.privatePackage, [], cs);
    const post = async (proposals: Proposal[], adds: Device[], removes: Device[]) => {
      const made = await createCommit({ state, cipherSuite: cs }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
      const posted = await t.api.post(route, {
        token: a.client.clientToken,
        body: {
          commit: encode(made.commit),
          ...(adds.length > 0 ? { welcome: fakeOpaque(3) } : {}),
          groupInfo: encode({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: await createGroupInfoWithExternalPubAndRatchetTree(made.newState, [], cs) }),
          adds: adds.map(ref),
          removes: removes.map(ref),
        },
      });
      state = posted.status === 201 ? made.newState : state;
      return posted;
    };
    const added = await post(await Promise.all([b, c].map(async (d): Promise<Proposal> => ({ proposalType: 'add', add: { keyPackage: (await keyPackage(d)).publicPackage } }))), [b, c], []);
    expect(added.status).toBe(201);
    // As a database from before migration 0007 has them: no leaf indices at all.
    await serverQuery(t.dataDir, 'UPDATE group_clients SET leaf_index = NULL WHERE conv_id = $1', [conversation.qualifiedId.id]);
    expect((await serverLeaves(conversation)).every((entry) => entry.startsWith('null='))).toBe(true);
    const removed = await post([{ proposalType: 'remove', remove: { removed: leafOf(state, b) } }], [], [b]);
    expect(removed.status, removed.raw.toString()).toBe(201);
    expect(await serverLeaves(conversation)).toEqual(treeLeaves(state));
  });
});
