import { describe, expect, it } from 'vitest';
import { planCreateSubconversation, planLeaveSubconversation } from '../../../server/conversations/subconversationPlans';
import type { ConversationRecord } from '../../../server/store/records';
import type { SubconversationRecord, SubgroupClientRecord } from '../../../server/store/subconversationRecords';

const conversation = (type: ConversationRecord['type'] = 'group'): ConversationRecord => ({
  id: 'c',
  type,
  name: null,
  creator: 'u0',
  groupId: Buffer.alloc(32),
  epoch: 3,
  cipherSuite: 1,
  messageTimer: null,
  groupInfo: null,
  createdAt: 0,
  members: [
    { userId: 'u0', role: 'admin' },
    { userId: 'u1', role: 'member' },
    { userId: 'u2', role: 'member' },
  ],
  clients: [],
});

const device = (userId: string, leafIndex: number, flags: Partial<Pick<SubgroupClientRecord, 'left' | 'registered'>> = {}): SubgroupClientRecord => ({
  userId,
  clientId: `${userId}-d`,
  leafIndex,
  registered: true,
  left: false,
  ...flags,
});

const callGroup = (clients: readonly SubgroupClientRecord[]): SubconversationRecord => ({
  convId: 'c',
  id: 's',
  groupId: Buffer.alloc(32, 1),
  epoch: 4,
  epochStartedAt: 0,
  cipherSuite: 1,
  groupInfo: null,
  createdAt: 0,
  clients,
});

describe('call group plans', () => {
  it('creates a call group only for members, never in the self-conversation, with the creator alone at leaf 0 and epoch 0', () => {
    const created = { id: 's', groupId: Buffer.alloc(32, 2), cipherSuite: 1, now: 1234 };
    const plan = planCreateSubconversation(conversation(), { userId: 'u1', clientId: 'u1-d' }, created);
    expect(plan).toMatchObject({ ok: true, record: { epoch: 0, epochStartedAt: 1234, clients: [{ userId: 'u1', clientId: 'u1-d', leafIndex: 0 }] } });
    expect(planCreateSubconversation(conversation(), { userId: 'stranger', clientId: 'x' }, created)).toMatchObject({ ok: false, failure: { code: 'not-member' } });
    expect(planCreateSubconversation(conversation('self'), { userId: 'u0', clientId: 'u0-d' }, created)).toMatchObject({ ok: false, failure: { code: 'invalid-operation' } });
  });

  it('marks a leaving device and tells only the devices that stay, so the key generator removes it', () => {
    const plan = planLeaveSubconversation(conversation(), callGroup([device('u0', 0), device('u1', 1), device('u2', 2, { left: true })]), { userId: 'u1', clientId: 'u1-d' }, 'cairn.test');
    expect(plan).toMatchObject({ ok: true, change: { markLeft: [{ userId: 'u1', clientId: 'u1-d' }] } });
    if (!plan.ok) return;
    expect(plan.change.deleteGroup).toBeUndefined();
    expect(plan.fanout).toHaveLength(1);
    expect(plan.fanout[0]?.clients?.map((client) => client.userId)).toEqual(['u0']);
    expect(plan.fanout[0]?.event).toEqual({ type: 'conversation.subconv-leave', conversation: { id: 'c', domain: 'cairn.test' }, subconv: 's', user: { id: 'u1', domain: 'cairn.test' }, client: 'u1-d' });
  });

  it('deletes the call group when the last device that has not left (or been deleted) leaves', () => {
    const plan = planLeaveSubconversation(conversation(), callGroup([device('u0', 0), device('u1', 1, { left: true }), device('u2', 2, { registered: false })]), { userId: 'u0', clientId: 'u0-d' }, 'cairn.test');
    expect(plan).toEqual({ ok: true, value: true, change: { deleteGroup: true }, fanout: [] });
  });

  it('refuses a device that is not in the call group', () => {
    expect(planLeaveSubconversation(conversation(), callGroup([device('u0', 0)]), { userId: 'u2', clientId: 'u2-d' }, 'cairn.test')).toMatchObject({ ok: false, failure: { code: 'not-member' } });
  });
});
