/**
 * Table `conversations`: one row per conversation this device knows (the server's view, plus
 * what is local: last read position, mute, archive, verification state, when this user left).
 * Its members are in members.ts, the names in users.ts, the held MLS group in groups.ts.
 */
import { z } from 'zod';
import type { Conversation } from '../../../protocol/api/conversations';
import { groupEpochColumn } from './groups';
import type { ReadableDB, WritableDB } from './handles';
import { replaceMembers } from './members';
import { cachedStatement } from './statements';

export type ConversationKind = 'self' | 'one-to-one' | 'group';
export type VerificationState = 'non-verified' | 'verified' | 'degraded';

const KindSchema = z.enum(['self', 'one-to-one', 'group']);
const VerificationSchema = z.enum(['non-verified', 'verified', 'degraded']);

/** Inserts or refreshes a conversation and its member list from the server's view. */
export function saveConversation(tx: WritableDB, conversation: Conversation, now: number): void {
  cachedStatement(
    tx,
    `INSERT INTO conversations (id, domain, kind, protocol, name, created_at, last_activity_at, message_timer_ms)
     VALUES (?, ?, ?, 'mls', ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, message_timer_ms = excluded.message_timer_ms, left_at = NULL`,
  ).run(
    conversation.qualifiedId.id,
    conversation.qualifiedId.domain,
    conversation.type === 'one2one' ? 'one-to-one' : conversation.type === 'self' ? 'self' : 'group',
    conversation.name,
    now,
    now,
    conversation.messageTimer,
  );
  replaceMembers(tx, conversation.qualifiedId.id, conversation.members, now);
}

const SummaryRowSchema = z.object({
  id: z.string(),
  domain: z.string(),
  kind: z.string(),
  name: z.string().nullable(),
  last_activity_at: z.number(),
  members: z.number(),
  last_body: z.string().nullable(),
  left_at: z.number().nullable(),
  epoch: z.number().nullable(),
  unread: z.number(),
  verification: VerificationSchema,
  muted_until: z.number().nullable(),
  archived: z.number(),
});

/** A conversation list row as stored (electron/core/toContract.ts makes the IPC summary of it). */
export type ConversationSummaryRow = z.infer<typeof SummaryRowSchema>;

/**
 * What a conversation list row is read from: one query for the whole list and for one row
 * (`conversationSummaryRow`), so a row sent with `conversation.changed` is the row a reload shows.
 * A 1:1 conversation is named after the other person; the self-conversation is not listed.
 */
const SUMMARY_SELECT = `SELECT c.id, c.domain, c.kind,
              CASE WHEN c.kind = 'one-to-one' THEN
                (SELECT u.name FROM conversation_members m JOIN users u ON u.id = m.user_id
                 WHERE m.conversation_id = c.id AND m.user_id != @self LIMIT 1)
              ELSE c.name END AS name,
              c.last_activity_at, c.left_at, c.verification, c.muted_until, c.archived,
              ${groupEpochColumn('c')},
              (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.seq > c.last_read_seq
                 AND m.sender_user_id != @self AND m.kind IN ('text', 'asset', 'knock') AND m.deleted_at IS NULL
                 AND m.hidden_at IS NULL) AS unread,
              (SELECT count(*) FROM conversation_members m WHERE m.conversation_id = c.id) AS members,
              (SELECT coalesce(preview, body) FROM messages m WHERE m.conversation_id = c.id AND m.body IS NOT NULL
                 ORDER BY sent_at DESC, seq DESC LIMIT 1) AS last_body
       FROM conversations c WHERE c.kind != 'self'`;

/** Every listed conversation's row, most recent first. */
export function listConversationRows(db: ReadableDB, selfId: string): ConversationSummaryRow[] {
  return SummaryRowSchema.array().parse(cachedStatement(db, `${SUMMARY_SELECT} ORDER BY c.last_activity_at DESC`).all({ self: selfId }));
}

/** One conversation's row as `listConversationRows` has it; undefined when it is not listed (none, or the self-conversation). */
export function conversationSummaryRow(db: ReadableDB, selfId: string, id: string): ConversationSummaryRow | undefined {
  const row: unknown = cachedStatement(db, `${SUMMARY_SELECT} AND c.id = @id`).get({ self: selfId, id });
  return row === undefined ? undefined : SummaryRowSchema.parse(row);
}

/** Mutes a conversation until `until` (epoch ms) or, with null, unmutes it. Returns whether it exists. */
export function setMutedUntil(tx: WritableDB, conversationId: string, until: number | null): boolean {
  return cachedStatement(tx, 'UPDATE conversations SET muted_until = ? WHERE id = ?').run(until, conversationId).changes > 0;
}

/** Archives a conversation or brings it back. Returns whether it exists. */
export function setArchived(tx: WritableDB, conversationId: string, archived: boolean): boolean {
  return cachedStatement(tx, 'UPDATE conversations SET archived = ? WHERE id = ?').run(archived ? 1 : 0, conversationId).changes > 0;
}

/** Whether a conversation is muted at `now`. */
export function isMuted(db: ReadableDB, conversationId: string, now: number = Date.now()): boolean {
  const until: unknown = cachedStatement(db, 'SELECT muted_until FROM conversations WHERE id = ?').pluck().get(conversationId);
  return typeof until === 'number' && until > now;
}

/**
 * A new message from someone else brings an archived conversation back to the main list, unless
 * it is muted (as Signal does). Returns whether it did.
 */
export function unarchiveOnNewMessage(tx: WritableDB, conversationId: string, now: number = Date.now()): boolean {
  return (
    cachedStatement(tx, 'UPDATE conversations SET archived = 0 WHERE id = ? AND archived = 1 AND (muted_until IS NULL OR muted_until <= ?)').run(
      conversationId,
      now,
    ).changes > 0
  );
}

/** The name of a group conversation; null for a one-to-one, the self-conversation, an unnamed group or none. */
export function groupName(db: ReadableDB, id: string): string | null {
  const name: unknown = cachedStatement(db, "SELECT name FROM conversations WHERE id = ? AND kind = 'group'").pluck().get(id);
  return typeof name === 'string' && name !== '' ? name : null;
}

export function conversationExists(db: ReadableDB, id: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM conversations WHERE id = ?').pluck().get(id) === 1;
}

export function conversationDomain(db: ReadableDB, id: string): string | undefined {
  const domain: unknown = cachedStatement(db, 'SELECT domain FROM conversations WHERE id = ?').pluck().get(id);
  return typeof domain === 'string' ? domain : undefined;
}

/** A conversation's kind, or undefined when it is not stored. */
export function conversationKind(db: ReadableDB, id: string): ConversationKind | undefined {
  const kind: unknown = cachedStatement(db, 'SELECT kind FROM conversations WHERE id = ?').pluck().get(id);
  return kind === undefined ? undefined : KindSchema.parse(kind);
}

/** The ids of the conversations this user has not left. */
export function activeConversationIds(db: ReadableDB): string[] {
  return z.array(z.string()).parse(cachedStatement(db, 'SELECT id FROM conversations WHERE left_at IS NULL').pluck().all());
}

/** Marks a conversation left (this user is no longer in it). */
export function markLeft(tx: WritableDB, conversationId: string, at: number): void {
  cachedStatement(tx, 'UPDATE conversations SET left_at = ? WHERE id = ?').run(at, conversationId);
}

/** Marks a conversation left unless it already is (the first time it was left stays). */
export function markLeftOnce(tx: WritableDB, conversationId: string, at: number): void {
  cachedStatement(tx, 'UPDATE conversations SET left_at = ? WHERE id = ? AND left_at IS NULL').run(at, conversationId);
}

/** When this user left the conversation: null while in it, undefined when it is not stored. */
export function leftAt(db: ReadableDB, conversationId: string): number | null | undefined {
  const left: unknown = cachedStatement(db, 'SELECT left_at FROM conversations WHERE id = ?').pluck().get(conversationId);
  return left === undefined ? undefined : z.number().nullable().parse(left);
}

/** Whether this user is no longer in the conversation (removed or left); its history stays. */
export function isLeft(db: ReadableDB, conversationId: string): boolean {
  const left = leftAt(db, conversationId);
  return left !== null && left !== undefined;
}

const LocalStateSchema = z.object({ kind: KindSchema, left_at: z.number().nullable(), epoch: z.number().nullable() });

/** What this device holds of a conversation: kind, when left, the held group's epoch (null without one). */
export function localConversationState(
  db: ReadableDB,
  conversationId: string,
): Readonly<{ kind: ConversationKind; left_at: number | null; epoch: number | null }> | undefined {
  const row: unknown = cachedStatement(db, `SELECT c.kind, c.left_at, ${groupEpochColumn('c')} FROM conversations c WHERE c.id = ?`).get(conversationId);
  return row === undefined ? undefined : LocalStateSchema.parse(row);
}

/** When the conversation last had activity (the list's order), or undefined when it is not stored. */
export function lastActivityAt(db: ReadableDB, conversationId: string): number | undefined {
  const at: unknown = cachedStatement(db, 'SELECT last_activity_at FROM conversations WHERE id = ?').pluck().get(conversationId);
  return typeof at === 'number' ? at : undefined;
}

/** Sets the activity time (to put back what a line that must not move the conversation changed). */
export function setLastActivityAt(tx: WritableDB, conversationId: string, at: number): void {
  cachedStatement(tx, 'UPDATE conversations SET last_activity_at = ? WHERE id = ?').run(at, conversationId);
}

/** Moves the activity time forward to `at` (never back). */
export function touchConversation(tx: WritableDB, conversationId: string, at: number): void {
  cachedStatement(tx, 'UPDATE conversations SET last_activity_at = max(last_activity_at, ?) WHERE id = ?').run(at, conversationId);
}

/** The `seq` of the newest message read, 0 when nothing was read or the conversation is not stored. */
export function lastReadSeq(db: ReadableDB, conversationId: string): number {
  const seq: unknown = cachedStatement(db, 'SELECT last_read_seq FROM conversations WHERE id = ?').pluck().get(conversationId);
  return typeof seq === 'number' ? seq : 0;
}

export function setLastReadSeq(tx: WritableDB, conversationId: string, seq: number): void {
  cachedStatement(tx, 'UPDATE conversations SET last_read_seq = ? WHERE id = ?').run(seq, conversationId);
}

/** A conversation's verification state, or undefined when it is not stored. */
export function verificationOf(db: ReadableDB, conversationId: string): VerificationState | undefined {
  const state: unknown = cachedStatement(db, 'SELECT verification FROM conversations WHERE id = ?').pluck().get(conversationId);
  return state === undefined ? undefined : VerificationSchema.parse(state);
}

export function setVerification(tx: WritableDB, conversationId: string, state: VerificationState): void {
  cachedStatement(tx, 'UPDATE conversations SET verification = ? WHERE id = ?').run(state, conversationId);
}
