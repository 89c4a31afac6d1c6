import type { Db } from '../migration';

/**
 * Secondary indexes of the tables an import fills in bulk that the merge itself never reads
 * through: its duplicate checks and message lookups use the tables' unique keys (messages'
 * `(conversation_id, id)`, assets' `asset_id`), which stay. `deferredIndexes.test.ts` holds that
 * to SQLite's query plans. Indexes of the small tables (conversations, members) and the partial
 * `messages_expiring` (a backup carries no self-deleting messages, so nothing enters it) cost an
 * import nothing measurable and stay too.
 */
export const DEFERRABLE_INDEXES = ['messages_by_conversation_time', 'assets_by_message'] as const;

/**
 * Keeping `messages_by_conversation_time` up to date row by row cost ≈7–8 µs per imported
 * message here; building it once from all rows 1–3 µs per row, old and new alike. Measured (CPU
 * time of the merge, 100 000 messages imported): into an empty store the drop saved ≈0.5 s of
 * ≈2.1 s; into one holding 50 000, 7 %; with as many stored as imported it measured even, with
 * four times as many it cost 30 % more. Twice as many leaves a margin for the estimate
 * (`expectedNewMessages`).
 */
const DEFER_RATIO = 2;

/**
 * Messages an import must have seen before it decides (eight of the merge's batches): enough to
 * tell how many of them are new and how many bytes one takes. A backup with fewer messages keeps
 * its indexes — it is quick either way.
 */
export const DECIDE_AFTER_MESSAGES = 2048;

/** Where an import stands when it decides (see `importBackup`). */
export interface ImportPosition {
  /** Messages in the store before the import (its largest `seq`: never fewer than there are). */
  readonly storedMessages: number;
  readonly messagesSeen: number;
  /** Messages the merge has written so far (the rest of those seen wait for their batch). */
  readonly messagesWritten: number;
  /** Of the written ones, those that were new. */
  readonly messagesAdded: number;
  /** Whether the file's messages have all been seen (a later record type has begun). */
  readonly messagesDone: boolean;
  /** Bytes of the file read before its first message record, at chunk precision. */
  readonly bytesBeforeMessages: number;
  readonly bytesRead: number;
  readonly bytesTotal: number;
}

/**
 * How many messages the whole import will add, extrapolated from what it has seen: messages
 * take the same share of bytes in the rest of the file as in the part read, and are new at the
 * same rate. It overestimates a little (the reactions, receipts and files after the messages
 * count as messages), which only moves the decision towards the drop when it is close anyway.
 */
export function expectedNewMessages(position: ImportPosition): number {
  const { messagesSeen, messagesWritten, messagesAdded } = position;
  const newShare = messagesWritten > 0 ? messagesAdded / messagesWritten : 1;
  const waiting = messagesSeen - messagesWritten;
  if (position.messagesDone) return messagesAdded + newShare * waiting;
  const bytesOfMessages = position.bytesRead - position.bytesBeforeMessages;
  const rest = position.bytesTotal - position.bytesRead;
  const remaining = bytesOfMessages > 0 && rest > 0 ? (rest * messagesSeen) / bytesOfMessages : 0;
  return messagesAdded + newShare * (waiting + remaining);
}

/** Whether dropping the deferrable indexes for the rest of this import is expected to pay. */
export function worthDeferring(position: ImportPosition): boolean {
  if (position.messagesSeen < DECIDE_AFTER_MESSAGES) return false;
  return expectedNewMessages(position) >= DEFER_RATIO * Math.max(position.storedMessages, 1);
}

/**
 * Drops the deferrable indexes inside the import's transaction and re-creates them, from the very
 * SQL text the schema held, just before it commits. DDL is transactional in SQLite: a rollback
 * (a damaged file, a cancel, a crash) brings the indexes back with the data, so the import stays
 * all or nothing and the schema is never left without them.
 *
 * While they are gone, reads on the store's connection that would use them (the message list of
 * a conversation) fall back on the unique key and sort; they stay correct.
 */
export class DeferredIndexes {
  private dropped: Array<Readonly<{ name: string; sql: string }>> = [];

  constructor(private readonly db: Db) {}

  get deferred(): boolean {
    return this.dropped.length > 0;
  }

  /** Drops those present, inside the caller's transaction. Throws what SQLite throws, like the merge's own statements. */
  drop(): void {
    if (!this.db.inTransaction) throw new Error('indexes are only dropped inside the import transaction');
    if (this.deferred) return;
    const find = this.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").pluck();
    for (const name of DEFERRABLE_INDEXES) {
      const sql: unknown = find.get(name);
      if (typeof sql !== 'string') continue;
      this.db.exec(`DROP INDEX "${name}"`);
      this.dropped.push({ name, sql });
    }
  }

  /** Re-creates what `drop` removed; call it before the commit. Throws what SQLite throws (disk full). */
  restore(): void {
    const dropped = this.dropped;
    this.dropped = [];
    for (const { sql } of dropped) this.db.exec(sql);
  }
}
