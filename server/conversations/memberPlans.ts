import type { Role } from '../../protocol';
import { MAX_CONVERSATION_MEMBERS } from '../../protocol';
import type { ConversationRecord, Fanout } from '../store/records';
import type { ConversationPlan } from '../store/repositories';
import type { PlanFailure } from './mlsPlans';
import { memberOf, memberUserIds, qualifiedConversation, qualifiedUser } from './view';

type Plan = ConversationPlan<undefined, PlanFailure>;

function requireMember(conversation: ConversationRecord, userId: string, adminOnly: boolean): PlanFailure | undefined {
  const member = memberOf(conversation, userId);
  if (!member) return { code: 'conversation-not-found' };
  if (adminOnly && member.role !== 'admin') return { code: 'action-denied' };
  return undefined;
}

/** Admins add users; the users' devices then join the MLS group through a commit. */
export function planAddMembers(conversation: ConversationRecord, actor: string, users: readonly string[], role: Role, domain: string): Plan {
  const denied = requireMember(conversation, actor, true);
  if (denied) return { ok: false, failure: denied };
  if (conversation.type !== 'group') return { ok: false, failure: { code: 'invalid-operation' } };
  const added = [...new Set(users)].filter((userId) => !memberOf(conversation, userId));
  if (conversation.members.length + added.length > MAX_CONVERSATION_MEMBERS) return { ok: false, failure: { code: 'too-many-members' } };
  return {
    ok: true,
    value: undefined,
    change: { addMembers: added.map((userId) => ({ userId, role })) },
    fanout: (after): readonly Fanout[] =>
      added.length === 0
        ? []
        : [
            {
              users: memberUserIds(after),
              event: {
                type: 'conversation.member-join',
                conversation: qualifiedConversation(after, domain),
                from: qualifiedUser(actor, domain),
                members: added.map((userId) => ({ user: qualifiedUser(userId, domain), role })),
              },
            },
          ],
  };
}

/**
 * A member leaves, or an admin removes one. The user stops receiving the group's messages at
 * once; their devices stay in the MLS tree until a member commits their removal (any member may
 * remove devices of users who are no longer members).
 */
export function planRemoveMember(conversation: ConversationRecord, actor: string, target: string, domain: string): Plan {
  const denied = requireMember(conversation, actor, actor !== target);
  if (denied) return { ok: false, failure: denied };
  if (conversation.type !== 'group') return { ok: false, failure: { code: 'invalid-operation' } };
  if (!memberOf(conversation, target)) return { ok: false, failure: { code: 'user-not-found', message: 'This user is not a member.' } };
  return {
    ok: true,
    value: undefined,
    change: { removeMembers: [target] },
    fanout: (): readonly Fanout[] => [
      {
        users: memberUserIds(conversation),
        event: {
          type: 'conversation.member-leave',
          conversation: qualifiedConversation(conversation, domain),
          from: qualifiedUser(actor, domain),
          users: [qualifiedUser(target, domain)],
        },
      },
    ],
  };
}

export function planSetRole(conversation: ConversationRecord, actor: string, target: string, role: Role, domain: string): Plan {
  const denied = requireMember(conversation, actor, true);
  if (denied) return { ok: false, failure: denied };
  if (!memberOf(conversation, target)) return { ok: false, failure: { code: 'user-not-found', message: 'This user is not a member.' } };
  return {
    ok: true,
    value: undefined,
    change: { setRoles: [{ userId: target, role }] },
    fanout: (after): readonly Fanout[] => [
      {
        users: memberUserIds(after),
        event: {
          type: 'conversation.member-update',
          conversation: qualifiedConversation(after, domain),
          from: qualifiedUser(actor, domain),
          user: qualifiedUser(target, domain),
          role,
        },
      },
    ],
  };
}

export function planRename(conversation: ConversationRecord, actor: string, name: string, domain: string): Plan {
  const denied = requireMember(conversation, actor, false);
  if (denied) return { ok: false, failure: denied };
  if (conversation.type !== 'group') return { ok: false, failure: { code: 'invalid-operation' } };
  return {
    ok: true,
    value: undefined,
    change: { name },
    fanout: (after): readonly Fanout[] => [
      {
        users: memberUserIds(after),
        event: { type: 'conversation.rename', conversation: qualifiedConversation(after, domain), from: qualifiedUser(actor, domain), name },
      },
    ],
  };
}

/** Self-deleting messages: the timer is a shared setting; clients enforce it (seed 002). */
export function planMessageTimer(conversation: ConversationRecord, actor: string, messageTimer: number | null, domain: string): Plan {
  const denied = requireMember(conversation, actor, conversation.type === 'group');
  if (denied) return { ok: false, failure: denied };
  return {
    ok: true,
    value: undefined,
    change: { messageTimer },
    fanout: (after): readonly Fanout[] => [
      {
        users: memberUserIds(after),
        event: {
          type: 'conversation.message-timer-update',
          conversation: qualifiedConversation(after, domain),
          from: qualifiedUser(actor, domain),
          messageTimer,
        },
      },
    ],
  };
}
