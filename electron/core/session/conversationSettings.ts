/** The user's own choices for a conversation's row: muted until when, archived or not. */
import type { ConversationSummary } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import { setArchived, setMutedUntil } from '../store/conversations';
import { writeTransaction } from '../store/handles';
import type { Announcer } from './announcer';
import type { ConversationQueries } from './conversationQueries';
import type { DeviceContext } from './device';

export class ConversationSettings {
  constructor(
    private readonly device: DeviceContext,
    private readonly queries: ConversationQueries,
    private readonly announcer: Announcer,
  ) {}

  /** Mutes a conversation until `until` (epoch ms, in the future) or unmutes it (null). */
  setMuted(conversationId: string, until: number | null): ConversationSummary {
    if (until !== null && until <= Date.now()) {
      throw new CoreError('ipc-invalid-request', 'A mute must end in the future. To unmute, send null. Nothing was changed.');
    }
    if (!writeTransaction(this.device.db, (tx) => setMutedUntil(tx, conversationId, until))) throw new CoreError('conversation-not-found');
    this.announcer.conversationChanged(conversationId);
    return this.queries.summary(conversationId);
  }

  /** Archives a conversation (out of the main list) or brings it back. */
  setArchived(conversationId: string, archived: boolean): ConversationSummary {
    if (!writeTransaction(this.device.db, (tx) => setArchived(tx, conversationId, archived))) throw new CoreError('conversation-not-found');
    this.announcer.conversationChanged(conversationId);
    return this.queries.summary(conversationId);
  }
}
