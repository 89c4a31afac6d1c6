/** What the UI reads about conversations and messages: lists, pages, search, members. Nothing here writes. */
import type { ConversationSummary, StoredMessage } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import { messageStored } from '../store/messages';
import type { ContractMember } from '../toContract';
import { conversationMembers, conversationSummary, getMessage, listConversations, listMessages, searchMessages } from '../toContract';
import type { DeviceContext } from './device';
import { selfId } from './device';

export class ConversationQueries {
  constructor(private readonly device: DeviceContext) {}

  list(): { conversations: ConversationSummary[] } {
    return { conversations: listConversations(this.device.db, selfId(this.device)) };
  }

  /** One conversation's row, as the list shows it. */
  summary(id: string): ConversationSummary {
    const summary = this.listed(id);
    if (!summary) throw new CoreError('internal');
    return summary;
  }

  /**
   * One conversation's row as the list shows it, or undefined when the list does not show it
   * (the self-conversation, one that does not exist).
   */
  listed(id: string): ConversationSummary | undefined {
    return conversationSummary(this.device.db, selfId(this.device), id);
  }

  search(text: string, limit: number): { messages: StoredMessage[] } {
    return { messages: searchMessages(this.device.db, text, limit) };
  }

  members(conversationId: string): { members: ContractMember[] } {
    return { members: conversationMembers(this.device.db, conversationId) };
  }

  /** A page of history: the newest `limit` messages, or the `limit` just older than `before`. */
  messages(conversationId: string, limit: number, before?: string): { messages: StoredMessage[]; hasOlder: boolean } {
    if (before !== undefined && !messageStored(this.device.db, conversationId, before)) {
      throw new CoreError('message-not-found');
    }
    return listMessages(this.device.db, conversationId, limit, before);
  }

  /** A stored message, or `message-not-found`. */
  message(conversationId: string, messageId: string): StoredMessage {
    const found = getMessage(this.device.db, conversationId, messageId);
    if (!found) throw new CoreError('message-not-found');
    return found;
  }
}
