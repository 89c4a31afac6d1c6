import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planCommit, planMessage } from '../../../server/conversations/mlsPlans';
import type { CommitContent } from '../../../server/mls/commit';
import type { DeviceIdentity } from '../../../server/mls/identity';
import type { MessageHeader } from '../../../server/mls/wire';
import type { ConversationRecord, MessageContext } from '../../../server/store/records';

const groupId = randomBytes(32);
const ada = { userId: 'ada', clientId: 'a1' };
const bob = { userId: 'bob', clientId: 'b1' };
const bob2 = { userId: 'bob', clientId: 'b2' };

const conversation: ConversationRecord = {
  id: 'c',
  type: 'group',
  name: null,
  creator: 'ada',
  groupId,
  epoch: 3,
  cipherSuite: 1,
  messageTimer: null,
  groupInfo: null,
  createdAt: 0,
  members: [
    { userId: 'ada', role: 'admin' },
    { userId: 'bob', role: 'member' },
  ],
  clients: [
    { ...ada, registered: true, leafIndex: 0 },
    { ...bob, registered: true, leafIndex: 1 },
  ],
};

const header = (overrides: Partial<MessageHeader> = {}): MessageHeader => ({
  wireFormat: 'public',
  groupId,
  epoch: 3n,
  contentType: 3,
  senderType: 1,
  ...overrides,
});

type Ref = typeof ada;
/** Each device's own MLS signature key (a stand-in: the planner only compares keys). */
const keyOf = (client: Ref): Buffer => createHash('sha256').update(`${client.userId}/${client.clientId}`).digest();
const leaf = (client: Ref, signatureKey: Uint8Array = keyOf(client)) => ({ identity: { ...client, domain: 'cairn.test' }, signatureKey });
/** The keys the devices registered with their key packages (all devices of the tests, suite 1). */
const registered = [ada, bob, bob2].map((client) => ({ ...client, cipherSuite: 1, signatureKey: keyOf(client) }));

/** A commit from `sender` (at its leaf unless `from` says otherwise) whose declaration matches it unless overridden. */
const commit = (
  sender: Ref,
  shape: Partial<{
    groupId: Buffer;
    epoch: bigint;
    from: number | 'external';
    adds: Ref[];
    removes: number[];
    path: Ref;
    declaredAdds: Ref[];
    declaredRemoves: Ref[];
    withoutWelcome: boolean;
    on: ConversationRecord;
    /** Leaves with another key than the device's own (a member's forgery). */
    forgedKeys: boolean;
    signatureKeys: typeof registered;
  }> = {},
) => {
  const on = shape.on ?? conversation;
  const removes = shape.removes ?? [];
  const content: CommitContent = {
    groupId: shape.groupId ?? groupId,
    epoch: shape.epoch ?? 3n,
    sender: shape.from === 'external' ? { kind: 'external' } : { kind: 'member', leafIndex: shape.from ?? (on.clients.find((c) => c.clientId === sender.clientId)?.leafIndex ?? 7) },
    adds: (shape.adds ?? []).map((client) => leaf(client, shape.forgedKeys ? randomBytes(32) : keyOf(client))),
    removes,
    pathLeaf:
      shape.path === undefined
        ? shape.from === 'external'
          ? leaf(sender, shape.forgedKeys ? randomBytes(32) : keyOf(sender))
          : undefined
        : leaf(shape.path, shape.forgedKeys ? randomBytes(32) : keyOf(shape.path)),
  };
  const occupant = (index: number) => on.clients.find((c) => c.leafIndex === index) ?? { userId: 'nobody', clientId: 'n' };
  return planCommit(on, {
    sender,
    content,
    commit: 'Y29tbWl0',
    welcome: shape.withoutWelcome ? undefined : 'd2VsY29tZQ==',
    groupInfo: Buffer.from('gi'),
    adds: shape.declaredAdds ?? (shape.from === 'external' ? [sender] : (shape.adds ?? [])),
    removes: shape.declaredRemoves ?? removes.map((index) => ({ userId: occupant(index).userId, clientId: occupant(index).clientId })),
    domain: 'cairn.test',
    treeLeaves: () => 'no-group-info',
    signatureKeys: shape.signatureKeys ?? registered,
  });
};

const mismatch = { ok: false, failure: { code: 'mls-client-mismatch' } };

describe('commit planning', () => {
  it('accepts a commit for the current epoch and advances it by one, placing the added device at the next free leaf', () => {
    const plan = commit(ada, { adds: [bob2] });
    expect(plan).toMatchObject({ ok: true, value: { epoch: 4 }, change: { epoch: 4, addClients: [{ ...bob2, leafIndex: 2 }] } });
    if (plan.ok) {
      const [toGroup, toAdded] = plan.fanout(conversation);
      expect(toGroup).toMatchObject({ except: ada, event: { type: 'conversation.mls-message-add' } });
      expect(toAdded).toMatchObject({ clients: [bob2], event: { type: 'conversation.mls-welcome' } });
    }
  });

  it('refuses to add a device with a key package that carries another key than the one it registered', () => {
    expect(commit(ada, { adds: [bob2], forgedKeys: true })).toMatchObject(mismatch);
    // A device that never uploaded key packages for this suite cannot be added at all.
    expect(commit(ada, { adds: [bob2], signatureKeys: registered.filter((key) => key.clientId !== bob2.clientId) })).toMatchObject(mismatch);
    expect(commit(ada, { adds: [bob2], signatureKeys: registered.map((key) => ({ ...key, cipherSuite: 2 })) })).toMatchObject(mismatch);
  });

  it("refuses a committer's new leaf with another key than the one it registered, and lets one without a registered key through", () => {
    expect(commit(ada, { path: ada })).toMatchObject({ ok: true });
    expect(commit(ada, { path: ada, forgedKeys: true })).toMatchObject(mismatch);
    expect(commit(bob2, { from: 'external' })).toMatchObject({ ok: true });
    expect(commit(bob2, { from: 'external', forgedKeys: true })).toMatchObject(mismatch);
    expect(commit(bob2, { from: 'external', forgedKeys: true, signatureKeys: registered.filter((key) => key.clientId !== bob2.clientId) })).toMatchObject({ ok: true });
  });

  it('refuses to add devices without a Welcome for them', () => {
    expect(commit(ada, { adds: [bob2], withoutWelcome: true })).toMatchObject(mismatch);
    expect(commit(ada, { withoutWelcome: true })).toMatchObject({ ok: true });
  });

  it('reports the current epoch for stale and future commits', () => {
    expect(commit(ada, { epoch: 2n })).toEqual({ ok: false, failure: { code: 'mls-stale-message', epoch: 3 } });
    expect(commit(ada, { epoch: 4n })).toEqual({ ok: false, failure: { code: 'mls-stale-message', epoch: 3 } });
  });

  it('refuses commits for another group and from devices outside the group', () => {
    expect(commit(ada, { groupId: randomBytes(32) })).toMatchObject({ ok: false, failure: { code: 'mls-group-mismatch' } });
    expect(commit(bob2)).toMatchObject({ ok: false, failure: { code: 'not-member' } });
    expect(commit({ userId: 'eve', clientId: 'e1' })).toMatchObject({ ok: false, failure: { code: 'conversation-not-found' } });
  });

  it('lets a new device of a member join by external commit adding only itself', () => {
    expect(commit(bob2, { from: 'external' })).toMatchObject({ ok: true, change: { addClients: [{ ...bob2, leafIndex: 2 }] } });
    expect(commit(bob2, { from: 'external', declaredAdds: [bob2, { userId: 'ada', clientId: 'a2' }] })).toMatchObject(mismatch);
  });

  it('lets a device that fell behind rejoin by external commit, replacing only its own leaf', () => {
    expect(commit(bob, { from: 'external' })).toMatchObject(mismatch);
    const rejoin = commit(bob, { from: 'external', removes: [1] });
    expect(rejoin).toMatchObject({ ok: true, change: { epoch: 4, removeClients: [bob], addClients: [{ ...bob, leafIndex: 1 }] } });
    expect(commit(bob, { from: 'external', removes: [1, 0] })).toMatchObject(mismatch);
    expect(commit(bob2, { from: 'external', removes: [1] })).toMatchObject(mismatch);
  });

  it('refuses an external commit whose joining leaf names another device', () => {
    expect(commit(bob2, { from: 'external', path: bob })).toMatchObject(mismatch);
    expect(commit(bob, { from: 'external', removes: [1], path: ada })).toMatchObject(mismatch);
  });

  it('requires admin rights to remove devices of other current members, judged by the leaves really removed', () => {
    expect(commit(bob, { removes: [0] })).toMatchObject({ ok: false, failure: { code: 'action-denied' } });
    expect(commit(ada, { removes: [1] })).toMatchObject({ ok: true, change: { removeClients: [bob] } });
    // Declaring nothing, or another device, does not hide whom the commit removes.
    expect(commit(bob, { removes: [0], declaredRemoves: [] })).toMatchObject(mismatch);
    expect(commit(ada, { removes: [1], declaredRemoves: [ada] })).toMatchObject(mismatch);
  });

  it('refuses adds and removes that differ from the declaration, and removes of empty leaves or of the committer', () => {
    expect(commit(ada, { adds: [bob2], declaredAdds: [] })).toMatchObject(mismatch);
    expect(commit(ada, { adds: [bob2, bob2] })).toMatchObject(mismatch);
    expect(commit(ada, { declaredAdds: [bob2] })).toMatchObject(mismatch);
    expect(commit(ada, { removes: [5], declaredRemoves: [] })).toMatchObject(mismatch);
    expect(commit(ada, { removes: [1, 1] })).toMatchObject(mismatch);
    expect(commit(ada, { removes: [0] })).toMatchObject(mismatch);
  });

  it('refuses a commit sent from another device’s leaf, or whose path leaf names another device', () => {
    expect(commit(bob, { from: 0 })).toMatchObject(mismatch);
    expect(commit(bob, { path: ada })).toMatchObject(mismatch);
    expect(commit(bob, { path: bob })).toMatchObject({ ok: true });
  });

  it('fills the leftmost free leaf after removes, then extends the tree', () => {
    const cyd = { userId: 'cyd', clientId: 'c1' };
    const wide: ConversationRecord = {
      ...conversation,
      members: [...conversation.members, { userId: 'cyd', role: 'member' }],
      clients: [
        { ...ada, registered: true, leafIndex: 0 },
        { ...bob, registered: true, leafIndex: 2 },
      ],
    };
    const signatureKeys = [...registered, { ...cyd, cipherSuite: 1, signatureKey: keyOf(cyd) }];
    expect(commit(ada, { on: wide, removes: [2], adds: [bob2, cyd, bob], signatureKeys })).toMatchObject({
      ok: true,
      change: { removeClients: [bob], addClients: [{ ...bob2, leafIndex: 1 }, { ...cyd, leafIndex: 2 }, { ...bob, leafIndex: 3 }] },
    });
  });

  it('initialises the leaves of a group from before leaf indices from its stored tree, once', () => {
    const legacy: ConversationRecord = { ...conversation, clients: conversation.clients.map((c) => ({ ...c, leafIndex: null })) };
    const tree = new Map([
      [0, { ...bob, domain: 'cairn.test' }],
      [1, { ...ada, domain: 'cairn.test' }],
    ]);
    const input = (treeLeaves: () => ReadonlyMap<number, DeviceIdentity> | 'no-group-info' | undefined) =>
      planCommit(legacy, {
        sender: ada,
        content: { groupId, epoch: 3n, sender: { kind: 'member', leafIndex: 1 }, adds: [], removes: [0], pathLeaf: undefined },
        commit: 'Y29tbWl0',
        welcome: undefined,
        groupInfo: Buffer.from('gi'),
        adds: [],
        removes: [bob],
        domain: 'cairn.test',
        treeLeaves,
        signatureKeys: registered,
      });
    expect(input(() => tree)).toMatchObject({ ok: true, change: { setLeaves: [{ ...bob, leafIndex: 0 }, { ...ada, leafIndex: 1 }], removeClients: [bob] } });
    expect(input(() => undefined)).toMatchObject(mismatch);
    expect(input(() => new Map([[0, { ...ada, domain: 'cairn.test' }]]))).toMatchObject(mismatch);
  });
});

describe('message planning', () => {
  const context: MessageContext = { id: 'c', groupId, epoch: 3, senderIsMember: true, senderInGroup: true };
  const application = header({ wireFormat: 'private', contentType: 1, senderType: undefined });

  it('sends application messages through the conversation log, excluding the sender', () => {
    const plan = planMessage(context, { sender: bob, header: application, message: 'bXNn', domain: 'cairn.test' });
    expect(plan.ok).toBe(true);
    if (plan.ok) expect(plan.fanout).toMatchObject({ except: bob, conversation: 'c', event: { type: 'conversation.mls-message-add', data: 'bXNn' } });
  });

  it('refuses plaintext application messages and messages from future epochs', () => {
    expect(planMessage(context, { sender: bob, header: header({ contentType: 1 }), message: 'bXNn', domain: 'cairn.test' })).toMatchObject({ ok: false });
    expect(
      planMessage(context, { sender: bob, header: header({ wireFormat: 'private', contentType: 1, epoch: 9n }), message: 'bXNn', domain: 'cairn.test' }),
    ).toMatchObject({ ok: false, failure: { code: 'mls-stale-message', epoch: 3 } });
  });

  it('refuses messages from non-members, from devices outside the group, and for another group', () => {
    const input = { sender: bob, header: application, message: 'bXNn', domain: 'cairn.test' };
    expect(planMessage({ ...context, senderIsMember: false }, input)).toMatchObject({ ok: false, failure: { code: 'conversation-not-found' } });
    expect(planMessage({ ...context, senderInGroup: false }, input)).toMatchObject({ ok: false, failure: { code: 'not-member' } });
    expect(planMessage({ ...context, groupId: randomBytes(32) }, input)).toMatchObject({ ok: false, failure: { code: 'mls-group-mismatch' } });
  });
});
