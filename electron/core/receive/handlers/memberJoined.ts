import type { EventOf, Effects, ReceiveContext } from '../context';
import { refreshConversation } from './conversationRefresh';

/** Users were added to a conversation: its member list (and their names) is read again. Their devices arrive by commit. */
export function memberJoined(context: ReceiveContext, event: EventOf<'conversation.member-join'>): Promise<Effects> {
  return refreshConversation(context, event.conversation.id);
}
