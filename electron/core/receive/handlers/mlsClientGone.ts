import type { EventOf, Effects, ReceiveContext } from '../context';

/**
 * A device was deleted from its account but its leaf is still in the group: until someone
 * commits its removal, everything sent is still encrypted to it. Nothing is stored; afterwards
 * this device tries to commit the removal (Membership.removeGoneDevice).
 */
export function mlsClientGone(context: ReceiveContext, event: EventOf<'conversation.mls-client-gone'>): Effects {
  const conversationId = event.conversation.id;
  if (!context.groups.holds(conversationId)) return [];
  const device = { userId: event.user.id, domain: event.user.domain, clientId: event.client };
  return [{ kind: 'follow-up', followUp: { kind: 'remove-gone-device', conversationId, device } }];
}
