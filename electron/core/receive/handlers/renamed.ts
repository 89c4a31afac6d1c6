import type { EventOf, Effects, ReceiveContext } from '../context';
import { refreshConversation } from './conversationRefresh';

/** A conversation was renamed: read again from the server, which holds the name. */
export function renamed(context: ReceiveContext, event: EventOf<'conversation.rename'>): Promise<Effects> {
  return refreshConversation(context, event.conversation.id);
}
