import type { EventOf, Effects, ReceiveContext } from '../context';
import { refreshConversation } from './conversationRefresh';

/** A conversation's self-deleting timer changed: read again from the server, which holds it. */
export function messageTimerUpdated(context: ReceiveContext, event: EventOf<'conversation.message-timer-update'>): Promise<Effects> {
  return refreshConversation(context, event.conversation.id);
}
