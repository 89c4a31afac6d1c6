import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planCommit, planMessage } from '../../../server/conversations/mlsPlans';
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
    { ...ada, registered: true },
    { ...bob, registered: true },
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

const commit = (
  sender: typeof ada,
  overrides: Partial<MessageHeader> = {},
  changes: { adds?: (typeof ada)[]; removes?: (typeof ada)[]; withoutWelcome?: boolean } = {},
) =>
  planCommit(conversation, {
    sender,
    header: header(overrides),
    commit: 'Y29tbWl0',
    welcome: changes.withoutWelcome ? undefined : 'd2VsY29tZQ==',
    groupInfo: Buffer.from('gi'),
    adds: changes.adds ?? [],
    removes: changes.removes ?? [],
    domain: 'cairn.test',
  });

describe('commit planning', () => {
  it('accepts a commit for the current epoch and advances it by one', () => {
    const plan = commit(ada, {}, { adds: [bob2] });
    expect(plan).toMatchObject({ ok: true, value: { epoch: 4 }, change: { epoch: 4, addClients: [bob2] } });
    if (plan.ok) {
      const [toGroup, toAdded] = plan.fanout(conversation);
      expect(toGroup).toMatchObject({ except: ada, event: { type: 'conversation.mls-message-add' } });
      expect(toAdded).toMatchObject({ clients: [bob2], event: { type: 'conversation.mls-welcome' } });
    }
  });

  it('refuses to add devices without a Welcome for them', () => {
    expect(commit(ada, {}, { adds: [bob2], withoutWelcome: true })).toMatchObject({ ok: false, failure: { code: 'mls-client-mismatch' } });
    expect(commit(ada, {}, { withoutWelcome: true })).toMatchObject({ ok: true });
  });

  it('reports the current epoch for stale and future commits', () => {
    expect(commit(ada, { epoch: 2n })).toEqual({ ok: false, failure: { code: 'mls-stale-message', epoch: 3 } });
    expect(commit(ada, { epoch: 4n })).toEqual({ ok: false, failure: { code: 'mls-stale-message', epoch: 3 } });
  });

  it('refuses commits for another group, non-commits, and devices outside the group', () => {
    expect(commit(ada, { groupId: randomBytes(32) })).toMatchObject({ ok: false, failure: { code: 'mls-group-mismatch' } });
    expect(commit(ada, { contentType: 1 })).toMatchObject({ ok: false, failure: { code: 'mls-invalid-message' } });
    expect(commit(bob2)).toMatchObject({ ok: false, failure: { code: 'not-member' } });
    expect(commit({ userId: 'eve', clientId: 'e1' })).toMatchObject({ ok: false, failure: { code: 'conversation-not-found' } });
  });

  it('lets a new device of a member join by external commit adding only itself', () => {
    expect(commit(bob2, { senderType: 4 }, { adds: [bob2] })).toMatchObject({ ok: true });
    expect(commit(bob2, { senderType: 4 }, { adds: [bob2, { userId: 'ada', clientId: 'a2' }] })).toMatchObject({ ok: false, failure: { code: 'mls-client-mismatch' } });
  });

  it('lets a device that fell behind rejoin by external commit, replacing only its own leaf', () => {
    expect(commit(bob, { senderType: 4 }, { adds: [bob] })).toMatchObject({ ok: false, failure: { code: 'mls-client-mismatch' } });
    const rejoin = commit(bob, { senderType: 4 }, { adds: [bob], removes: [bob] });
    expect(rejoin).toMatchObject({ ok: true, change: { epoch: 4, removeClients: [bob], addClients: [bob] } });
    expect(commit(bob, { senderType: 4 }, { adds: [bob], removes: [bob, ada] })).toMatchObject({ ok: false, failure: { code: 'mls-client-mismatch' } });
    expect(commit(bob2, { senderType: 4 }, { adds: [bob2], removes: [bob] })).toMatchObject({ ok: false, failure: { code: 'mls-client-mismatch' } });
  });

  it('requires admin rights to remove devices of other current members', () => {
    expect(commit(bob, {}, { removes: [ada] })).toMatchObject({ ok: false, failure: { code: 'action-denied' } });
    expect(commit(ada, {}, { removes: [bob] })).toMatchObject({ ok: true });
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
