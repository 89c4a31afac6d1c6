import type { Db } from '../migration';

/**
 * Reads the history out of the store one page at a time, each page already a JSON line built
 * by SQLite's `json_object` (no row objects in JavaScript, so reading costs little more than
 * reading the rows). Each page is one synchronous statement: between pages the core's other
 * services may use the connection, which an open iterator would forbid.
 *
 * The export is not one snapshot (a single connection cannot hold a read transaction while
 * others write on it), so consistency comes from the scope: only conversations seen in the
 * first pass, and only messages that existed when the export began, are written. A member or
 * message of a conversation created meanwhile is left out rather than written without its
 * conversation.
 */
export interface HistoryScope {
  readonly conversationIds: Set<string>;
  /** The largest message `seq` when the export began. */
  readonly maxMessageSeq: number;
}

/** One record type's pages; `undefined` when it has no more. */
export interface HistoryPager {
  nextPage(limit: number): readonly string[] | undefined;
}

/**
 * Self-deleting messages (a timer set by the sender) stay out of backups: the sender chose that
 * they disappear, and a backup file would keep them for good. Wire's backups leave them out too.
 */
function notSelfDeleting(table?: string): string {
  const column = (name: string) => (table === undefined ? name : `${table}.${name}`);
  return `AND ${column('timer_ms')} IS NULL AND ${column('expires_at')} IS NULL`;
}
const NOT_SELF_DELETING = notSelfDeleting();

export function beginScope(db: Db): HistoryScope {
  const max: unknown = db.prepare('SELECT coalesce(max(seq), 0) FROM messages').pluck().get();
  return { conversationIds: new Set(), maxMessageSeq: typeof max === 'number' ? max : 0 };
}

/** Rows the export will write at most: the total shown by the progress bar. */
export function countHistory(db: Db, scope: HistoryScope): number {
  const count = (sql: string, ...params: number[]): number => {
    const value: unknown = db.prepare(sql).pluck().get(...params);
    return typeof value === 'number' ? value : 0;
  };
  return (
    count('SELECT count(*) FROM conversations') +
    count('SELECT count(*) FROM conversation_members') +
    count(`SELECT count(*) FROM messages WHERE seq <= ? ${NOT_SELF_DELETING}`, scope.maxMessageSeq) +
    count('SELECT count(*) FROM reactions') +
    count('SELECT count(*) FROM receipts') +
    count('SELECT count(*) FROM assets')
  );
}

/**
 * The read position travels as the id of the newest message at or before `last_read_seq` that
 * the backup carries (a self-deleting message is left out, so the one before it stands in).
 */
const CONVERSATION_LINE = `json_object('type', 'conversation', 'id', id, 'kind', kind, 'protocol', protocol, 'name', name,
  'createdAt', created_at, 'lastActivityAt', last_activity_at, 'messageTimerMs', message_timer_ms,
  'mutedUntil', muted_until, 'archived', json(CASE archived WHEN 1 THEN 'true' ELSE 'false' END), 'leftAt', left_at,
  'domain', domain,
  'lastReadMessageId', (SELECT m.id FROM messages m WHERE m.conversation_id = c.id AND m.seq <= min(c.last_read_seq, ?)
    ${notSelfDeleting('m')} ORDER BY m.seq DESC LIMIT 1))`;

export function conversationPager(db: Db, scope: HistoryScope): HistoryPager {
  const statement = db.prepare(`SELECT id, ${CONVERSATION_LINE} FROM conversations c WHERE id > ? ORDER BY id LIMIT ?`).raw(true);
  let after = '';
  let done = false;
  return {
    nextPage(limit) {
      if (done) return undefined;
      const lines: string[] = [];
      for (const row of statement.all(scope.maxMessageSeq, after, limit)) {
        const columns = columnsOf(row);
        const conversationId = text(columns[0]);
        scope.conversationIds.add(conversationId);
        lines.push(text(columns[1]));
        after = conversationId;
      }
      done = lines.length < limit;
      return lines.length === 0 ? undefined : lines;
    },
  };
}

export function memberPager(db: Db, scope: HistoryScope): HistoryPager {
  const statement = db
    .prepare(
      `SELECT conversation_id, user_id, json_object('type', 'member', 'conversationId', conversation_id, 'userId', user_id,
         'role', role, 'joinedAt', joined_at)
       FROM conversation_members WHERE (conversation_id, user_id) > (?, ?) ORDER BY conversation_id, user_id LIMIT ?`,
    )
    .raw(true);
  let after: readonly [string, string] = ['', ''];
  let done = false;
  return {
    nextPage(limit) {
      if (done) return undefined;
      const lines: string[] = [];
      let rows = 0;
      for (const row of statement.all(after[0], after[1], limit)) {
        const columns = columnsOf(row);
        const conversationId = text(columns[0]);
        rows++;
        after = [conversationId, text(columns[1])];
        if (scope.conversationIds.has(conversationId)) lines.push(text(columns[2]));
      }
      done = rows < limit;
      return rows === 0 ? undefined : lines;
    },
  };
}

export function messagePager(db: Db, scope: HistoryScope): HistoryPager {
  const statement = db
    .prepare(
      `SELECT seq, conversation_id, json_object('type', 'message', 'conversationId', conversation_id, 'id', id,
         'senderUserId', sender_user_id, 'senderClientId', sender_client_id, 'kind', kind, 'body', body,
         'content', CASE WHEN content IS NULL THEN NULL ELSE lower(hex(content)) END,
         'sentAt', sent_at, 'receivedAt', received_at, 'editedAt', edited_at, 'deletedAt', deleted_at,
         'timerMs', timer_ms, 'expiresAt', expires_at, 'status', status)
       FROM messages WHERE seq > ? AND seq <= ? ${NOT_SELF_DELETING} ORDER BY seq LIMIT ?`,
    )
    .raw(true);
  let after = 0;
  let done = false;
  return {
    nextPage(limit) {
      if (done) return undefined;
      const lines: string[] = [];
      let rows = 0;
      for (const row of statement.all(after, scope.maxMessageSeq, limit)) {
        const columns = columnsOf(row);
        const seq: unknown = columns[0];
        if (typeof seq !== 'number') throw new TypeError('message seq is not a number');
        const conversationId = text(columns[1]);
        rows++;
        after = seq;
        if (scope.conversationIds.has(conversationId)) lines.push(text(columns[2]));
      }
      done = rows < limit;
      return rows === 0 ? undefined : lines;
    },
  };
}

/**
 * Rows that belong to one message (reactions, receipts, assets) are written only when that
 * message is: stored when the export began and not self-deleting. A reaction that arrives during
 * the export for such a message may be written; one for a newer message never is.
 */
function ofExportedMessage(table: string): string {
  return `EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = ${table}.conversation_id AND m.id = ${table}.message_id
    AND m.seq <= ? ${notSelfDeleting('m')})`;
}

/**
 * A pager over a table in the order of its key (`keyColumns`, compared as a row value so each
 * page starts after the last one, whatever was written meanwhile). The statement selects the key
 * columns, then the conversation id, then the JSON line; its parameters are the key of the last
 * row, the largest message `seq` of the scope, and the page size.
 */
function keyedPager(db: Db, scope: HistoryScope, sql: string, keyColumns: number): HistoryPager {
  const statement = db.prepare(sql).raw(true);
  let after: readonly string[] = Array.from({ length: keyColumns }, () => '');
  let done = false;
  return {
    nextPage(limit) {
      if (done) return undefined;
      const lines: string[] = [];
      let rows = 0;
      for (const row of statement.all(...after, scope.maxMessageSeq, limit)) {
        const columns = columnsOf(row);
        rows++;
        after = columns.slice(0, keyColumns).map(text);
        if (scope.conversationIds.has(text(columns[keyColumns]))) lines.push(text(columns[keyColumns + 1]));
      }
      done = rows < limit;
      return rows === 0 ? undefined : lines;
    },
  };
}

export function reactionPager(db: Db, scope: HistoryScope): HistoryPager {
  return keyedPager(
    db,
    scope,
    `SELECT conversation_id, message_id, user_id, conversation_id,
       json_object('type', 'reaction', 'conversationId', conversation_id, 'messageId', message_id, 'userId', user_id,
         'emoji', emoji, 'updatedAt', updated_at)
     FROM reactions r WHERE (conversation_id, message_id, user_id) > (?, ?, ?) AND ${ofExportedMessage('r')}
     ORDER BY conversation_id, message_id, user_id LIMIT ?`,
    3,
  );
}

export function receiptPager(db: Db, scope: HistoryScope): HistoryPager {
  return keyedPager(
    db,
    scope,
    `SELECT conversation_id, message_id, user_id, kind, conversation_id,
       json_object('type', 'receipt', 'conversationId', conversation_id, 'messageId', message_id, 'userId', user_id,
         'kind', kind, 'at', at)
     FROM receipts r WHERE (conversation_id, message_id, user_id, kind) > (?, ?, ?, ?) AND ${ofExportedMessage('r')}
     ORDER BY conversation_id, message_id, user_id, kind LIMIT ?`,
    4,
  );
}

/** Never `local_path`: where the old device saved a copy means nothing on the new one. */
export function assetPager(db: Db, scope: HistoryScope): HistoryPager {
  return keyedPager(
    db,
    scope,
    `SELECT asset_id, conversation_id,
       json_object('type', 'asset', 'assetId', asset_id, 'domain', domain, 'conversationId', conversation_id,
         'messageId', message_id, 'name', name, 'mime', mime, 'size', size, 'key', lower(hex(key)), 'sha256', lower(hex(sha256)))
     FROM assets a WHERE asset_id > ? AND ${ofExportedMessage('a')} ORDER BY asset_id LIMIT ?`,
    1,
  );
}

function columnsOf(row: unknown): readonly unknown[] {
  if (!Array.isArray(row)) throw new TypeError('expected a raw row');
  return row;
}

/** The queries above make these columns text; anything else is a bug, not user data. */
function text(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('expected a text column');
  return value;
}
