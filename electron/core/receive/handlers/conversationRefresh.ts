import { conversationExists } from '../../store/conversations';
import type { Effects, ReceiveContext } from '../context';

/**
 * Reads a conversation this device holds from the server again (name, timer, members and their
 * names). A conversation the server no longer shows this user was left (removed meanwhile).
 */
export async function refreshConversation(context: ReceiveContext, conversationId: string): Promise<Effects> {
  if (!conversationExists(context.device.db, conversationId)) return [];
  try {
    const conversation = await context.device.api.call('getConversation', { params: { conv: conversationId } });
    const profiles = await context.groups.profiles(conversation);
    return [{ kind: 'save-conversation', conversation, profiles }];
  } catch (error) {
    context.log.info('conversation no longer visible; marking it left', { conversationId, error });
    return [{ kind: 'mark-left', conversationId, at: Date.now() }];
  }
}
