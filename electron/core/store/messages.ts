/**
 * Table `messages`: storing (in batches), pages, edits, deletes, status, read state and expiry;
 * the rows sending again needs (services/resend.ts). Full-text search is in messageSearch.ts;
 * receipts, reactions, files and hiding in their own repositories, whose columns a page of
 * messages takes in the same statement. Rows come back in this module's types;
 * electron/core/toContract.ts makes IPC messages of them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { assetColumns, hasAssetColumn, removeAssetsOfMessagesDeletedAt } from './assets';
import { lastReadSeq, setLastReadSeq, touchConversation } from './conversations';
import type { ReadableDB, WritableDB } from './handles';
import { writeTransaction } from './handles';
import { reactionsColumn, removeReactions } from './reactions';
import { receiptColumns } from './receipts';
import { cachedStatement } from './statements';

export const MessageRowSchema = z.object({
  id: z.string(),
  sender_user_id: z.string(),
  sender_client_id: z.string(),
  kind: z.enum(['text', 'asset', 'knock', 'system', 'undecryptable']),
  body: z.string().nullable(),
  sent_at: z.number(),
  status: z.enum(['pending', 'sent', 'failed', 'received']),
  sender_name: z.string().nullable(),
  edited_at: z.number().nullable().optional(),
  deleted_at: z.number().nullable().optional(),
  reactions: z.string().nullable().optional(),
  asset_id: z.string().nullable().optional(),
  asset_name: z.string().nullable().optional(),
  asset_mime: z.string().nullable().optional(),
  asset_size: z.number().nullable().optional(),
  asset_path: z.string().nullable().optional(),
  read_by: z.string().nullable().optional(),
  timer_ms: z.number().nullable().optional(),
  expires_at: z.number().nullable().optional(),
  delivered_to: z.string().nullable().optional(),
  quote_id: z.string().nullable().optional(),
  quote_hash: z.instanceof(Uint8Array).nullable().optional(),
  quote_sender: z.string().nullable().optional(),
  quote_sender_name: z.string().nullable().optional(),
  quote_body: z.string().nullable().optional(),
  mentions: z.string().nullable().optional(),
  mentions_me: z.number().optional(),
  failure_code: z.string().nullable().optional(),
  failure_message: z.string().nullable().optional(),
});

/** A message as a page or a lookup reads it, with its receipts, reactions, file and quote (toContract.ts maps it). */
export type MessageRow = z.infer<typeof MessageRowSchema>;

/** A mention as stored: `user` is qualified (`uuid@domain`). */
export type StoredMention = Readonly<{ start: number; length: number; user: string }>;
export const MentionsJsonSchema = z.array(z.object({ start: z.number().int(), length: z.number().int(), user: z.string() }));

/** SHA-256 of a message's text, as a reply's quote carries it (protocol/content/schema.ts `QuoteSchema`). */
export function textHash(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

const DueRowsSchema = z.array(z.object({ conversation_id: z.string(), id: z.string() }));

export interface NewMessage {
  readonly id: string;
  readonly conversationId: string;
  readonly senderUser: string;
  readonly senderClient: string;
  readonly kind: 'text' | 'asset' | 'knock' | 'system' | 'undecryptable';
  readonly body: string | null;
  readonly content: Uint8Array | null;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly status: 'pending' | 'sent' | 'failed' | 'received';
  /** Self-deleting message: its lifetime once shown (seed 002 / Wire: the timer starts on first display). */
  readonly timerMs?: number;
  /** When it disappears; for received messages this is set when they are first shown. */
  readonly expiresAt?: number;
  /** A reply: the quoted message and the SHA-256 of its text as the sender saw it. */
  readonly quote?: Readonly<{ messageId: string; textHash: Uint8Array | null }>;
  /** Mentions (already checked against the text and the members). */
  readonly mentions?: readonly StoredMention[];
  /** One of the mentions names this user. */
  readonly mentionsMe?: boolean;
}

/** Stores a message once: a second delivery of the same id changes nothing. Returns whether it was new. */
export function insertMessage(tx: WritableDB, message: NewMessage): boolean {
  return insertMessages(tx, [message])[0] === true;
}

/** The short form of a line for the conversation list ("Missed call"), where it differs from the line itself. */
export function setMessagePreview(tx: WritableDB, conversationId: string, id: string, preview: string): void {
  cachedStatement(tx, 'UPDATE messages SET preview = ? WHERE conversation_id = ? AND id = ?').run(preview, conversationId, id);
}

/** Stores a line this device writes itself (once: the id decides); returns the id when it was new. */
export function insertSystemMessage(
  tx: WritableDB,
  conversationId: string,
  id: string,
  text: string,
  self: Readonly<{ user: string; clientId: string }>,
  now: number,
): string | undefined {
  const added = insertMessage(tx, {
    id,
    conversationId,
    senderUser: self.user,
    senderClient: self.clientId,
    kind: 'system',
    body: text,
    content: null,
    sentAt: now,
    receivedAt: now,
    status: 'received',
  });
  return added ? id : undefined;
}

/** Rows per INSERT statement of `insertMessages` (16 parameters each). */
const INSERT_BATCH = 64;

/**
 * Stores several messages, each once, with one INSERT statement per INSERT_BATCH of them: SQLite
 * opens a statement savepoint for every INSERT that fires the full-text trigger, and FTS5 writes
 * its pending index data as a new segment at each one, so a statement per message costs a segment
 * per message (docs/backup-format.md measured the same for imports). Returns, in order, whether
 * each message was new; of two with the same id only the first can be.
 */
export function insertMessages(tx: WritableDB, messages: readonly NewMessage[]): boolean[] {
  const added = new Set<string>();
  for (let start = 0; start < messages.length; start += INSERT_BATCH) {
    const batch = messages.slice(start, start + INSERT_BATCH);
    const rows = batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    const inserted: unknown[] = cachedStatement(
      tx,
      `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, content, sent_at, received_at, status,
                             timer_ms, expires_at, quote_id, quote_hash, mentions, mentions_me)
       VALUES ${rows} ON CONFLICT (conversation_id, id) DO NOTHING RETURNING conversation_id, id`,
    )
      .raw(true)
      .all(batch.flatMap(messageParameters));
    for (const row of inserted) {
      if (Array.isArray(row)) added.add(messageKey(String(row[0]), String(row[1])));
    }
  }
  const latest = new Map<string, number>();
  const result = messages.map((message) => {
    // The first of two with one id takes the "new"; the second was the conflict.
    const isNew = added.delete(messageKey(message.conversationId, message.id));
    if (isNew) latest.set(message.conversationId, Math.max(latest.get(message.conversationId) ?? 0, message.receivedAt));
    return isNew;
  });
  for (const [conversationId, at] of latest) touchConversation(tx, conversationId, at);
  return result;
}

const messageKey = (conversationId: string, id: string): string => `${conversationId} ${id}`;

function messageParameters(message: NewMessage): unknown[] {
  return [
    message.id,
    message.conversationId,
    message.senderUser,
    message.senderClient,
    message.kind,
    message.body,
    message.content,
    message.sentAt,
    message.receivedAt,
    message.status,
    message.timerMs ?? null,
    message.expiresAt ?? null,
    message.quote?.messageId ?? null,
    message.quote?.textHash ?? null,
    message.mentions && message.mentions.length > 0 ? JSON.stringify(message.mentions) : null,
    message.mentionsMe ? 1 : 0,
  ];
}
/**
 * Settles one of this user's `pending` messages: `sent`, or `failed` with why (a stable code and
 * the sentence shown next to "Not sent"). A message no longer pending (hidden, settled by
 * another path) is left alone; says whether it changed.
 */
export function setMessageStatus(
  tx: WritableDB,
  conversationId: string,
  id: string,
  status: 'sent' | 'failed',
  failure?: Readonly<{ code: string; message: string }>,
): boolean {
  const changed = cachedStatement(
    tx,
    `UPDATE messages SET status = ?, failure_code = ?, failure_message = ? WHERE conversation_id = ? AND id = ? AND status = 'pending'`,
  ).run(status, failure?.code ?? null, failure?.message ?? null, conversationId, id);
  return changed.changes > 0;
}

const MESSAGE_ASSET = assetColumns('m');

/** Everything a StoredMessage shows, for messages `m` of one conversation; callers add WHERE/ORDER. */
const MESSAGE_COLUMNS = `m.id, m.sender_user_id, m.sender_client_id, m.kind, m.body, m.sent_at, m.status, m.seq,
  m.edited_at, m.deleted_at, m.timer_ms, m.expires_at, u.name AS sender_name,
  ${MESSAGE_ASSET.columns},
  ${reactionsColumn('m')},
  ${receiptColumns('m')},
  m.quote_id, m.quote_hash, m.mentions, m.mentions_me, m.failure_code, m.failure_message,
  q.sender_user_id AS quote_sender, qu.name AS quote_sender_name,
  CASE WHEN q.deleted_at IS NULL AND q.hidden_at IS NULL THEN q.body END AS quote_body
  FROM messages m LEFT JOIN users u ON u.id = m.sender_user_id
  ${MESSAGE_ASSET.join}
  LEFT JOIN messages q ON m.quote_id IS NOT NULL AND q.conversation_id = m.conversation_id AND q.id = m.quote_id
  LEFT JOIN users qu ON qu.id = q.sender_user_id`;

/**
 * The newest `limit` messages of a conversation, oldest first; with `before`, the `limit`
 * messages just older than that message (paging back through a long history). `hasOlder` says
 * whether anything older remains.
 */
export function listMessageRows(
  db: ReadableDB,
  conversationId: string,
  limit: number,
  before?: string,
): { rows: MessageRow[]; hasOlder: boolean } {
  const rows: unknown[] =
    before === undefined
      ? cachedStatement(db, `SELECT ${MESSAGE_COLUMNS} WHERE m.conversation_id = ? AND m.hidden_at IS NULL ORDER BY m.sent_at DESC, m.seq DESC LIMIT ?`).all(
          conversationId,
          limit + 1,
        )
      : cachedStatement(
          db,
          `SELECT ${MESSAGE_COLUMNS}
           WHERE m.conversation_id = ? AND m.hidden_at IS NULL
             AND (m.sent_at, m.seq) < (SELECT sent_at, seq FROM messages WHERE conversation_id = ? AND id = ?)
           ORDER BY m.sent_at DESC, m.seq DESC LIMIT ?`,
        ).all(conversationId, conversationId, before, limit + 1);
  const parsed = MessageRowSchema.array().parse(rows);
  const hasOlder = parsed.length > limit;
  return { rows: parsed.slice(0, limit).reverse(), hasOlder };
}

/** One message by id (by the unique key), or undefined; a message hidden on this device counts as none. */
export function messageRow(db: ReadableDB, conversationId: string, id: string): MessageRow | undefined {
  const row: unknown = cachedStatement(db, `SELECT ${MESSAGE_COLUMNS} WHERE m.conversation_id = ? AND m.id = ? AND m.hidden_at IS NULL`).get(conversationId, id);
  return row === undefined ? undefined : MessageRowSchema.parse(row);
}

/** Whether a row with this id is stored in the conversation (a hidden message's tombstone counts). */
export function messageStored(db: ReadableDB, conversationId: string, id: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM messages WHERE conversation_id = ? AND id = ?').pluck().get(conversationId, id) === 1;
}

/**
 * Applies an edit from `senderUser`: only the original sender may edit, and a deleted message
 * stays deleted. Returns whether anything changed.
 */
export function applyEdit(
  tx: WritableDB,
  conversationId: string,
  messageId: string,
  senderUser: string,
  text: string,
  at: number,
  mentions: Readonly<{ mentions: readonly StoredMention[]; mentionsMe: boolean }> = { mentions: [], mentionsMe: false },
): boolean {
  return (
    cachedStatement(
      tx,
      `UPDATE messages SET body = ?, edited_at = ?, mentions = ?, mentions_me = ? WHERE conversation_id = ? AND id = ? AND sender_user_id = ?
       AND deleted_at IS NULL AND hidden_at IS NULL AND kind = 'text'`,
    ).run(
      text,
      at,
      mentions.mentions.length > 0 ? JSON.stringify(mentions.mentions) : null,
      mentions.mentionsMe ? 1 : 0,
      conversationId,
      messageId,
      senderUser,
    ).changes > 0
  );
}

/** Deletes a message for everyone: only its sender may. The text leaves the search index too. */
export function applyDelete(tx: WritableDB, conversationId: string, messageId: string, senderUser: string, at: number): boolean {
  const changed =
    cachedStatement(
      tx,
      `UPDATE messages SET body = NULL, content = NULL, deleted_at = ? WHERE conversation_id = ? AND id = ? AND sender_user_id = ?
       AND deleted_at IS NULL`,
    ).run(at, conversationId, messageId, senderUser).changes > 0;
  if (changed) removeReactions(tx, conversationId, messageId);
  return changed;
}

/**
 * Marks everything up to now as read; returns the ids of others' messages that were unread,
 * for the read receipt.
 */
export function markRead(tx: WritableDB, conversationId: string, selfId: string): string[] {
  const since = lastReadSeq(tx, conversationId);
  const unread = UnreadRowsSchema.parse(
    cachedStatement(
      tx,
      `SELECT id, seq FROM messages WHERE conversation_id = ? AND seq > ? AND sender_user_id != ? AND kind IN ('text', 'asset', 'knock')
       AND deleted_at IS NULL AND hidden_at IS NULL ORDER BY seq LIMIT 500`,
    ).all(conversationId, since, selfId),
  );
  // Shown now: self-deleting messages start their countdown.
  cachedStatement(
    tx,
    `UPDATE messages SET expires_at = ? + timer_ms WHERE conversation_id = ? AND timer_ms IS NOT NULL AND expires_at IS NULL
     AND deleted_at IS NULL`,
  ).run(Date.now(), conversationId);
  const newest: unknown = cachedStatement(tx, 'SELECT max(seq) FROM messages WHERE conversation_id = ?').pluck().get(conversationId);
  if (typeof newest === 'number') setLastReadSeq(tx, conversationId, newest);
  return unread.map((m) => m.id);
}

const UnreadRowsSchema = z.array(z.object({ id: z.string(), seq: z.number() }));

/** Removes the text of every self-deleting message whose time is up; returns the affected messages. */
export function expireMessages(db: ReadableDB, now: number): Array<{ conversationId: string; id: string }> {
  const due = DueRowsSchema.parse(
    cachedStatement(db, 'SELECT conversation_id, id FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? AND deleted_at IS NULL').all(now),
  );
  if (due.length === 0) return [];
  writeTransaction(db, (tx) => {
    cachedStatement(tx, 'UPDATE messages SET body = NULL, content = NULL, deleted_at = ? WHERE expires_at IS NOT NULL AND expires_at <= ? AND deleted_at IS NULL').run(
      now,
      now,
    );
    removeAssetsOfMessagesDeletedAt(tx, now);
  });
  return due.map((d) => ({ conversationId: d.conversation_id, id: d.id }));
}


const ResendRowSchema = z.object({
  sender_user_id: z.string(),
  kind: z.string(),
  status: z.enum(['pending', 'sent', 'failed', 'received']),
  content: z.instanceof(Uint8Array).nullable(),
  body: z.string().nullable(),
  mentions: z.string().nullable(),
  deleted_at: z.number().nullable(),
  edited_at: z.number().nullable(),
  left_at: z.number().nullable(),
  has_asset: z.number(),
});

/** What sending a message of this user again reads of it (services/resend.ts), with whether its conversation was left. */
export type ResendRow = z.infer<typeof ResendRowSchema>;

/** A message as sending it again needs it; undefined when none (or it is hidden on this device). */
export function resendRow(db: ReadableDB, conversationId: string, messageId: string): ResendRow | undefined {
  const row: unknown = cachedStatement(
    db,
    `SELECT m.sender_user_id, m.kind, m.status, m.content, m.body, m.mentions, m.deleted_at, m.edited_at, c.left_at,
            ${hasAssetColumn('m')}
     FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.conversation_id = ? AND m.id = ? AND m.hidden_at IS NULL`,
  ).get(conversationId, messageId);
  return row === undefined ? undefined : ResendRowSchema.parse(row);
}

const PendingRowsSchema = z.array(z.object({ conversation_id: z.string(), id: z.string() }));

/** This device's messages still `pending` (not hidden), oldest first. */
export function pendingOfDevice(db: ReadableDB, user: string, clientId: string): Array<Readonly<{ conversationId: string; id: string }>> {
  return PendingRowsSchema.parse(
    cachedStatement(
      db,
      `SELECT conversation_id, id FROM messages
       WHERE status = 'pending' AND sender_user_id = ? AND sender_client_id = ? AND hidden_at IS NULL
       ORDER BY sent_at, seq`,
    ).all(user, clientId),
  ).map((r) => ({ conversationId: r.conversation_id, id: r.id }));
}

/** Claims a `failed` message for sending again: it becomes `pending`. Says whether it was failed. */
export function claimFailed(tx: WritableDB, conversationId: string, messageId: string): boolean {
  return cachedStatement(tx, `UPDATE messages SET status = 'pending' WHERE conversation_id = ? AND id = ? AND status = 'failed'`).run(conversationId, messageId).changes > 0;
}
