/**
 * Delete for me: hides a message (anyone's) on this device at once — the text leaves the list,
 * the search index and the conversation's preview — then tells the user's other devices through
 * the self-conversation, never the conversation itself. That news is queued in the same
 * transaction (outbox.ts): if it cannot be sent now (no connection, say), it is sent when the
 * connection is back, also after a restart. Received `hide`s are applied by the receive path.
 */
import { MessageIdSchema } from '../../../protocol/content/schema';
import type { Outbox } from '../services/outbox';
import { writeTransaction } from '../store/handles';
import { hideMessage } from '../store/hiddenMessages';
import type { Announcer } from './announcer';
import type { ConversationQueries } from './conversationQueries';
import type { DeviceContext } from './device';

export class HiddenMessages {
  constructor(
    private readonly device: DeviceContext,
    private readonly queries: ConversationQueries,
    private readonly outbox: Outbox,
    private readonly announcer: Announcer,
  ) {}

  async hide(conversationId: string, messageId: string): Promise<{ synced: boolean }> {
    const { db } = this.device;
    this.queries.message(conversationId, messageId);
    // Lines this device wrote itself (system messages) have no id the others know.
    const tell = MessageIdSchema.safeParse(messageId).success;
    const hidden = writeTransaction(db, (tx) => {
      const now = Date.now();
      const changed = hideMessage(tx, conversationId, messageId, now);
      if (changed && tell) this.outbox.noteHidden(tx, conversationId, messageId, now);
      return changed;
    });
    if (hidden) {
      this.announcer.events.emit('message.hidden', { conversationId, messageId });
      this.announcer.conversationChanged(conversationId);
    }
    if (!tell) return { synced: false };
    return { synced: await this.outbox.sendHidden(conversationId, messageId) };
  }
}
