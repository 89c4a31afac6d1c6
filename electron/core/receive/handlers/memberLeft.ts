import { qualified } from '../../store/users';
import { selfId } from '../../session/device';
import type { EventOf, Effects, NotificationMeta, ReceiveContext } from '../context';
import type { Effect } from '../effects';
import { refreshConversation } from './conversationRefresh';

/**
 * Someone left or was removed. The member list is read again; a user who left on their own is
 * noted (the commit removing their devices then says "Bob left.") and this device tries to
 * commit that removal, so a leaver cannot read what is sent afterwards. An admin's removal is
 * committed by the admin. If this user was removed, that is said here: the commit removing this
 * device is sent only to those who stay.
 */
export async function memberLeft(context: ReceiveContext, event: EventOf<'conversation.member-leave'>, notification: NotificationMeta): Promise<Effects> {
  const conversationId = event.conversation.id;
  const refresh = await refreshConversation(context, conversationId);
  if (refresh.length === 0) return [];
  const self = selfId(context.device);
  const actor = qualified(event.from);
  const users = event.users.map(qualified);
  const departed = users.filter((u) => u === actor && u !== self);
  const now = Date.now();
  const effects: Effect[] = [...refresh, ...departed.map((user): Effect => ({ kind: 'record-departure', conversationId, user, at: now }))];
  if (users.includes(self) && actor !== self) {
    effects.push({ kind: 'own-membership', conversationId, key: `removed-${notification.id}`, change: { kind: 'removed', by: actor }, at: now });
  }
  if (departed.length > 0) effects.push({ kind: 'follow-up', followUp: { kind: 'remove-departed', conversationId } });
  return effects;
}
