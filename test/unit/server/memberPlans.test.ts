import { describe, expect, it } from 'vitest';
import { planAddMembers, planRemoveMember } from '../../../server/conversations/memberPlans';
import type { ConversationRecord } from '../../../server/store/records';

function group(memberCount: number, type: 'group' | 'one2one' = 'group'): ConversationRecord {
  return {
    id: 'c',
    type,
    name: null,
    creator: 'u0',
    groupId: Buffer.alloc(32),
    epoch: 0,
    cipherSuite: 1,
    messageTimer: null,
    groupInfo: null,
    createdAt: 0,
    members: Array.from({ length: memberCount }, (_, index) => ({ userId: `u${index}`, role: index === 0 ? ('admin' as const) : ('member' as const) })),
    clients: [],
  };
}

describe('member planning', () => {
  it('caps groups at 500 members', () => {
    expect(planAddMembers(group(499), 'u0', ['new-1'], 'member', 'cairn.test')).toMatchObject({ ok: true });
    expect(planAddMembers(group(499), 'u0', ['new-1', 'new-2'], 'member', 'cairn.test')).toMatchObject({ ok: false, failure: { code: 'too-many-members' } });
  });

  it('lets only admins add, and nobody change the members of a 1:1 conversation', () => {
    expect(planAddMembers(group(3), 'u1', ['x'], 'member', 'cairn.test')).toMatchObject({ ok: false, failure: { code: 'action-denied' } });
    expect(planAddMembers(group(2, 'one2one'), 'u0', ['x'], 'member', 'cairn.test')).toMatchObject({ ok: false, failure: { code: 'invalid-operation' } });
    expect(planRemoveMember(group(2, 'one2one'), 'u1', 'u1', 'cairn.test')).toMatchObject({ ok: false, failure: { code: 'invalid-operation' } });
  });

  it('tells the leaving user too, so their devices stop showing the conversation', () => {
    const plan = planRemoveMember(group(3), 'u2', 'u2', 'cairn.test');
    expect(plan.ok).toBe(true);
    if (plan.ok) expect(plan.fanout(group(2))[0]).toMatchObject({ users: ['u0', 'u1', 'u2'], event: { type: 'conversation.member-leave' } });
  });
});
