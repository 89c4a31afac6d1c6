/**
 * Tells the UI what a committed transaction changed. Services write first and announce after
 * the commit, so the renderer never reads a row that is not stored yet.
 */
import type { EventHub } from '../events';
import type { ReadableDB } from '../store/handles';
import { getMessage } from '../toContract';
import type { VerificationChange } from '../services/deviceTrust';

export class Announcer {
  constructor(
    private readonly db: ReadableDB,
    readonly events: EventHub,
  ) {}

  /** The conversation's row changed (see EventHub.conversationChanged). */
  conversationChanged(id: string): void {
    this.events.conversationChanged(id);
  }

  /** A message (often a system line) was stored; `messageId` undefined when nothing new was written. */
  messageAdded(conversationId: string, messageId: string | undefined): void {
    if (messageId === undefined) return;
    const message = getMessage(this.db, conversationId, messageId);
    if (message) this.events.emit('message.added', message);
  }

  messageUpdated(conversationId: string, messageId: string): void {
    const message = getMessage(this.db, conversationId, messageId);
    if (message) this.events.emit('message.updated', message);
  }

  /** A verification change: its system line and the conversation's new state. */
  verification(change: VerificationChange | undefined): void {
    if (!change) return;
    this.messageAdded(change.conversationId, change.messageId);
    this.conversationChanged(change.conversationId);
  }
}
