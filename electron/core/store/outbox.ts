/**
 * Table `outbox` (migration 0010): small messages this device owes the server, kept until the
 * server accepted what carries them (services/outbox.ts sends them): delivery receipts and
 * "delete for me" notices for the user's other devices.
 */
import { z } from 'zod';
import type { ReadableDB, WritableDB } from './handles';
import { cachedStatement } from './statements';

export type OutboxKind = 'delivered' | 'hide';

/** One thing owed: which message of which conversation. */
export type OutboxRow = Readonly<{ conversationId: string; messageId: string }>;

const RowsSchema = z.array(z.object({ conversationId: z.string(), messageId: z.string() }));

/** Notes something owed for a message (once: noting it again changes nothing). */
export function noteOwed(tx: WritableDB, kind: OutboxKind, conversationId: string, messageId: string, at: number): void {
  cachedStatement(tx, 'INSERT INTO outbox (kind, conversation_id, message_id, queued_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
    kind,
    conversationId,
    messageId,
    at,
  );
}

/** Whether something is still owed for this message. */
export function isOwed(db: ReadableDB, kind: OutboxKind, conversationId: string, messageId: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM outbox WHERE kind = ? AND conversation_id = ? AND message_id = ?').pluck().get(kind, conversationId, messageId) === 1;
}

/** Removes what was sent (or dropped). */
export function removeOwed(tx: WritableDB, kind: OutboxKind, conversationId: string, messageIds: readonly string[]): void {
  const remove = cachedStatement(tx, 'DELETE FROM outbox WHERE kind = ? AND conversation_id = ? AND message_id = ?');
  for (const id of messageIds) remove.run(kind, conversationId, id);
}

/** The receipts owed, grouped by conversation in the order they were noted. */
export function owedReceipts(db: ReadableDB): OutboxRow[] {
  return RowsSchema.parse(
    cachedStatement(
      db,
      `SELECT conversation_id AS conversationId, message_id AS messageId FROM outbox WHERE kind = 'delivered' ORDER BY conversation_id, queued_at`,
    ).all(),
  );
}

/** The hides owed, oldest first. */
export function owedHides(db: ReadableDB): OutboxRow[] {
  return RowsSchema.parse(
    cachedStatement(db, `SELECT conversation_id AS conversationId, message_id AS messageId FROM outbox WHERE kind = 'hide' ORDER BY queued_at`).all(),
  );
}
