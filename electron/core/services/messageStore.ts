/**
 * Reading and writing messages in the encrypted store: storing (in batches), pages, search,
 * edits, deletes, read state and expiry (receipts, reactions and hiding: store/). Plain synchronous functions:
 * callers wrap related writes in one transaction.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { StoredMessage } from '../ipc/contract';
import type { Db } from '../store/migration';
import { assetColumns, removeAssetsOfMessagesDeletedAt } from '../store/assets';
import type { WritableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';
import { reactionsColumn, removeReactions } from '../store/reactions';
import { receiptColumns } from '../store/receipts';
import { cachedStatement } from '../store/statements';

const MessageRowSchema = z.object({
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

/** A mention as stored: `user` is qualified (`uuid@domain`). */
export type StoredMention = Readonly<{ start: number; length: number; user: string }>;
const MentionsJsonSchema = z.array(z.object({ start: z.number().int(), length: z.number().int(), user: z.string() }));

/** SHA-256 of a message's text, as a reply's quote carries it (protocol/content/schema.ts `QuoteSchema`). */
export function textHash(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

// Schemas are built once, here: building one costs 10–15 µs, more than the row it checks
// (getMessage runs for every message received).
const ReactionsJsonSchema = z.array(z.object({ emoji: z.string(), user: z.string() }));
const UserListJsonSchema = z.array(z.string()).catch([]);
const DueRowsSchema = z.array(z.object({ conversation_id: z.string(), id: z.string() }));

/** Groups `[{emoji, user}]` rows into one entry per emoji, in first-seen order. */
function groupReactions(json: string | null | undefined): Array<{ emoji: string; users: string[] }> {
  if (!json) return [];
  const parsed = ReactionsJsonSchema.safeParse(JSON.parse(json));
  if (!parsed.success) return [];
  const byEmoji = new Map<string, string[]>();
  for (const { emoji, user } of parsed.data) byEmoji.set(emoji, [...(byEmoji.get(emoji) ?? []), user]);
  return [...byEmoji].map(([emoji, users]) => ({ emoji, users }));
}

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
export function insertMessage(db: Db, message: NewMessage): boolean {
  return insertMessages(db, [message])[0] === true;
}

/** Stores a line this device writes itself (once: the id decides); returns the id when it was new. */
export function insertSystemMessage(
  db: Db,
  conversationId: string,
  id: string,
  text: string,
  self: Readonly<{ user: string; clientId: string }>,
  now: number,
): string | undefined {
  const added = insertMessage(db, {
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
export function insertMessages(db: Db, messages: readonly NewMessage[]): boolean[] {
  const added = new Set<string>();
  for (let start = 0; start < messages.length; start += INSERT_BATCH) {
    const batch = messages.slice(start, start + INSERT_BATCH);
    const rows = batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    const inserted: unknown[] = cachedStatement(
      db,
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
  const touch = cachedStatement(db, 'UPDATE conversations SET last_activity_at = max(last_activity_at, ?) WHERE id = ?');
  for (const [conversationId, at] of latest) touch.run(at, conversationId);
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
  db: Db,
  conversationId: string,
  id: string,
  status: 'sent' | 'failed',
  failure?: Readonly<{ code: string; message: string }>,
): boolean {
  const changed = cachedStatement(
    db,
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
export function listMessages(
  db: Db,
  conversationId: string,
  limit: number,
  before?: string,
): { messages: StoredMessage[]; hasOlder: boolean } {
  const rows: unknown[] =
    before === undefined
      ? db
          .prepare(`SELECT ${MESSAGE_COLUMNS} WHERE m.conversation_id = ? AND m.hidden_at IS NULL ORDER BY m.sent_at DESC, m.seq DESC LIMIT ?`)
          .all(conversationId, limit + 1)
      : db
          .prepare(
            `SELECT ${MESSAGE_COLUMNS}
             WHERE m.conversation_id = ? AND m.hidden_at IS NULL
               AND (m.sent_at, m.seq) < (SELECT sent_at, seq FROM messages WHERE conversation_id = ? AND id = ?)
             ORDER BY m.sent_at DESC, m.seq DESC LIMIT ?`,
          )
          .all(conversationId, conversationId, before, limit + 1);
  const parsed = MessageRowSchema.array().parse(rows);
  const hasOlder = parsed.length > limit;
  return { messages: parsed.slice(0, limit).reverse().map((r) => toStoredMessage(conversationId, r)), hasOlder };
}

/** One message by id (by the unique key), or undefined; a message hidden on this device counts as none. */
export function getMessage(db: Db, conversationId: string, id: string): StoredMessage | undefined {
  const row: unknown = cachedStatement(db, `SELECT ${MESSAGE_COLUMNS} WHERE m.conversation_id = ? AND m.id = ? AND m.hidden_at IS NULL`).get(conversationId, id);
  return row === undefined ? undefined : toStoredMessage(conversationId, MessageRowSchema.parse(row));
}

function toStoredMessage(conversationId: string, r: z.infer<typeof MessageRowSchema>): StoredMessage {
  return {
    id: r.id,
    conversationId,
    sender: r.sender_user_id,
    senderName: r.sender_name,
    senderClient: r.sender_client_id,
    kind: r.kind,
    text: r.body,
    sentAt: r.sent_at,
    status: r.status,
    editedAt: r.edited_at ?? null,
    deleted: r.deleted_at !== null && r.deleted_at !== undefined,
    reactions: groupReactions(r.reactions),
    readBy: r.read_by ? UserListJsonSchema.parse(JSON.parse(r.read_by)) : [],
    deliveredTo: r.delivered_to ? UserListJsonSchema.parse(JSON.parse(r.delivered_to)) : [],
    quote: r.quote_id ? toQuote(r) : null,
    mentions: r.mentions ? MentionsJsonSchema.catch([]).parse(JSON.parse(r.mentions)) : [],
    mentionsMe: r.mentions_me === 1,
    timerMs: r.timer_ms ?? null,
    expiresAt: r.expires_at ?? null,
    asset:
      r.asset_id && !r.deleted_at
        ? { id: r.asset_id, name: r.asset_name ?? '', mime: r.asset_mime ?? 'application/octet-stream', size: r.asset_size ?? 0, savedAt: r.asset_path ?? null }
        : null,
    failure: r.status === 'failed' && r.failure_code ? { code: r.failure_code, message: r.failure_message ?? '' } : null,
  };
}

/** A reply's quote as shown now: `edited` when the quoted text no longer has the hash the replier sent. */
function toQuote(r: z.infer<typeof MessageRowSchema>): NonNullable<StoredMessage['quote']> {
  const text = r.quote_body ?? null;
  const hash = r.quote_hash ?? null;
  return {
    messageId: r.quote_id ?? '',
    sender: r.quote_sender ?? null,
    senderName: r.quote_sender_name ?? null,
    text,
    edited: text !== null && hash !== null && !Buffer.from(textHash(text)).equals(hash),
  };
}

/**
 * Full-text search over decrypted message text (FTS5 inside the encrypted DB), newest first.
 * Takes rowids from the index in rowid order and joins afterwards: sorting every match by time
 * instead costs tens of milliseconds at 100 000 messages (store README).
 */
export function searchMessages(db: Db, text: string, limit: number): StoredMessage[] {
  const query = ftsQuery(text);
  if (query === '') return [];
  const rows = db
    .prepare(
      `SELECT m.id, m.conversation_id, m.sender_user_id, m.sender_client_id, m.kind, m.body, m.sent_at, m.status, u.name AS sender_name
       FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f
       JOIN messages m ON m.seq = f.rowid LEFT JOIN users u ON u.id = m.sender_user_id
       ORDER BY m.seq DESC`,
    )
    .all(query, limit);
  return SearchRowSchema.array()
    .parse(rows)
    .map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      sender: r.sender_user_id,
      senderName: r.sender_name,
      senderClient: r.sender_client_id,
      kind: r.kind,
      text: r.body,
      sentAt: r.sent_at,
      status: r.status,
      editedAt: null,
      deleted: false,
      reactions: [],
      readBy: [],
      deliveredTo: [],
      quote: null,
      mentions: [],
      mentionsMe: false,
      timerMs: null,
      expiresAt: null,
      asset: null,
      failure: null,
    }));
}

/** Each word becomes a quoted prefix term, so user input can never be FTS5 syntax. */
export function ftsQuery(text: string): string {
  return text
    .split(/\s+/)
    .map((word) => word.replace(/"/g, '').trim())
    .filter((word) => word !== '')
    .slice(0, 16)
    .map((word) => `"${word}"*`)
    .join(' ');
}

const SearchRowSchema = MessageRowSchema.extend({ conversation_id: z.string() });

/**
 * Applies an edit from `senderUser`: only the original sender may edit, and a deleted message
 * stays deleted. Returns whether anything changed.
 */
export function applyEdit(
  db: Db,
  conversationId: string,
  messageId: string,
  senderUser: string,
  text: string,
  at: number,
  mentions: Readonly<{ mentions: readonly StoredMention[]; mentionsMe: boolean }> = { mentions: [], mentionsMe: false },
): boolean {
  return (
    db
      .prepare(
        `UPDATE messages SET body = ?, edited_at = ?, mentions = ?, mentions_me = ? WHERE conversation_id = ? AND id = ? AND sender_user_id = ?
         AND deleted_at IS NULL AND hidden_at IS NULL AND kind = 'text'`,
      )
      .run(
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
    tx
      .prepare(
        `UPDATE messages SET body = NULL, content = NULL, deleted_at = ? WHERE conversation_id = ? AND id = ? AND sender_user_id = ?
         AND deleted_at IS NULL`,
      )
      .run(at, conversationId, messageId, senderUser).changes > 0;
  if (changed) removeReactions(tx, conversationId, messageId);
  return changed;
}

/**
 * Marks everything up to now as read; returns the ids of others' messages that were unread,
 * for the read receipt.
 */
export function markRead(db: Db, conversationId: string, selfId: string): string[] {
  const row: unknown = db.prepare('SELECT last_read_seq FROM conversations WHERE id = ?').pluck().get(conversationId);
  const since = typeof row === 'number' ? row : 0;
  const unread = z
    .array(z.object({ id: z.string(), seq: z.number() }))
    .parse(
      db
        .prepare(
          `SELECT id, seq FROM messages WHERE conversation_id = ? AND seq > ? AND sender_user_id != ? AND kind IN ('text', 'asset', 'knock')
           AND deleted_at IS NULL AND hidden_at IS NULL ORDER BY seq LIMIT 500`,
        )
        .all(conversationId, since, selfId),
    );
  // Shown now: self-deleting messages start their countdown.
  db.prepare(
    `UPDATE messages SET expires_at = ? + timer_ms WHERE conversation_id = ? AND timer_ms IS NOT NULL AND expires_at IS NULL
     AND deleted_at IS NULL`,
  ).run(Date.now(), conversationId);
  const newest: unknown = db.prepare('SELECT max(seq) FROM messages WHERE conversation_id = ?').pluck().get(conversationId);
  if (typeof newest === 'number') db.prepare('UPDATE conversations SET last_read_seq = ? WHERE id = ?').run(newest, conversationId);
  return unread.map((m) => m.id);
}

/** Removes the text of every self-deleting message whose time is up; returns the affected messages. */
export function expireMessages(db: Db, now: number): Array<{ conversationId: string; id: string }> {
  const due = DueRowsSchema.parse(
    cachedStatement(db, 'SELECT conversation_id, id FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? AND deleted_at IS NULL').all(now),
  );
  if (due.length === 0) return [];
  writeTransaction(db, (tx) => {
    tx.prepare('UPDATE messages SET body = NULL, content = NULL, deleted_at = ? WHERE expires_at IS NOT NULL AND expires_at <= ? AND deleted_at IS NULL').run(now, now);
    removeAssetsOfMessagesDeletedAt(tx, now);
  });
  return due.map((d) => ({ conversationId: d.conversation_id, id: d.id }));
}

