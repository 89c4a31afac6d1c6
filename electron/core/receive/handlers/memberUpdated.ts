import { conversationExists } from '../../store/conversations';
import { qualified } from '../../store/users';
import type { EventOf, Effects, ReceiveContext } from '../context';

/**
 * A member's role changed. Stored at once: roles decide who may remove others' devices
 * (commitRules.ts), so the member list must be current before the next commit is checked.
 */
export function memberUpdated(context: ReceiveContext, event: EventOf<'conversation.member-update'>): Effects {
  const conversationId = event.conversation.id;
  if (!conversationExists(context.device.db, conversationId)) return [];
  return [{ kind: 'set-member-role', conversationId, user: qualified(event.user), role: event.role }];
}
