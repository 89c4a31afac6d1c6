import type { EventOf, Effects } from '../context';

/** Another device of this user accepted or ignored a chat request: the UI drops it from the list. */
export function chatRequestAnswered(event: EventOf<'user.chat-request-answered'>): Effects {
  return [{ kind: 'follow-up', followUp: { kind: 'chat-request-answered', id: event.request } }];
}
