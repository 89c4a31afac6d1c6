import type { EventOf, Effects } from '../context';

/**
 * A chat request this user sent was accepted: from now on they know who owns the address. Their
 * name is stored like any profile; the conversation itself arrives from the accepter's device
 * (conversation.create and the Welcome), so nothing is created here.
 */
export function chatRequestAccepted(event: EventOf<'user.chat-request-accepted'>): Effects {
  const { qualifiedId, name, handle } = event.user;
  return [
    { kind: 'save-profile', user: qualifiedId, name, handle, at: Date.now() },
    { kind: 'follow-up', followUp: { kind: 'chat-request-accepted', accepted: { user: { id: qualifiedId.id, domain: qualifiedId.domain, name, handle } } } },
  ];
}
