import type BetterSqlite3 from 'better-sqlite3-multiple-ciphers';
import { missingCase } from '../../../../protocol/result';
import type { Db } from '../migration';
import { BackupFailure } from '../../backup/backupErrors';
import type {
  AssetRecord,
  BackupEndRecord,
  ConversationRecord,
  HistoryRecord,
  MemberRecord,
  MessageRecord,
  ReactionRecord,
  ReceiptRecord,
} from '../../backup/backupRecords';
import { RECORD_RANK } from '../../backup/backupRecords';

/** What an import added; records already present (or not to be merged, see below) count as skipped. */
export interface MergeCounts {
  readonly conversationsAdded: number;
  readonly membersAdded: number;
  readonly messagesAdded: number;
  readonly reactionsAdded: number;
  readonly receiptsAdded: number;
  readonly assetsAdded: number;
  readonly recordsSkipped: number;
}

/** See `HistoryMerge.messageProgress` and `ImportPosition` in deferredIndexes.ts. */
export interface MessageProgress {
  readonly storedMessages: number;
  readonly messagesSeen: number;
  readonly messagesWritten: number;
  readonly messagesAdded: number;
  readonly messagesDone: boolean;
}

/**
 * Messages per INSERT statement. SQLite opens a statement savepoint for every INSERT that fires
 * the full-text trigger, and FTS5 writes its pending index data to disk at each savepoint: one
 * row per statement made a tiny index segment per message (and the merges that follow), which
 * was most of the import's time. 256 rows × 14 values stays far below SQLite's 32 766 bound on
 * parameters. Measured here for 100 000 messages: see docs/backup-format.md.
 */
export const MESSAGE_BATCH = 256;
const MESSAGE_COLUMNS = 14;

const MESSAGE_INSERT = `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, content, sent_at,
  received_at, edited_at, deleted_at, timer_ms, expires_at, status) VALUES `;
const MESSAGE_ROW = `(${Array.from({ length: MESSAGE_COLUMNS }, () => '?').join(', ')})`;
const MESSAGE_CONFLICT = ' ON CONFLICT (conversation_id, id) DO NOTHING';
/** The merge's one lookup of messages: by the unique key, never through an index an import may drop (deferredIndexes.ts). */
export const MESSAGE_SEQ_LOOKUP = 'SELECT seq FROM messages WHERE conversation_id = ? AND id = ?';

type Statement = BetterSqlite3.Statement<unknown[]>;

/**
 * Merges parsed records into the store without duplicates, so importing the same backup twice
 * changes nothing:
 * - a conversation already present keeps its local row (local state is newer than a backup);
 *   one this import creates gets its read position from the backup;
 * - members are added only to conversations this import created: membership of a known
 *   conversation is the server's, and a backup must not bring back someone who left;
 * - a message is keyed by (conversation_id, id), the sender's id, as on the receive path; the
 *   local `seq` is new, in the order of the file, so history keeps its order. A message that
 *   was still pending when the backup was made is restored as `failed`, so a restored device
 *   never sends it on its own;
 * - reactions, receipts and asset records are added only for messages this import added. For a
 *   message the device already held, it has seen every later reaction, receipt and deletion
 *   itself: a backup must not bring back a reaction taken away, or the key of a file whose
 *   message was deleted since.
 *
 * A member, message, reaction, receipt or asset that refers to a conversation or message the
 * file does not carry is `backup-corrupt`: the exporter never writes one.
 *
 * The caller runs every `apply` inside one transaction (the merge notes the largest `seq` when
 * it is made, to tell this import's messages from the device's own) and checks `complete`
 * before committing.
 */
export class HistoryMerge {
  private readonly insertConversation: Statement;
  private readonly insertMember: Statement;
  private readonly insertMessageBatch: Statement;
  private readonly insertMessage: Statement;
  private readonly messageSeq: Statement;
  private readonly setReadPosition: Statement;
  private readonly insertReaction: Statement;
  private readonly insertReceipt: Statement;
  private readonly insertAsset: Statement;
  /** Messages with a `seq` above this were added by this import. */
  private readonly seqBefore: number;
  private readonly backupConversations = new Set<string>();
  private readonly createdConversations = new Set<string>();
  /** Conversations this import created → the id of the last message read in them. */
  private readonly readPositions = new Map<string, string>();
  /** Values of messages not yet written, `MESSAGE_COLUMNS` per message. */
  private pendingMessages: unknown[] = [];
  private messagesWritten = false;
  private lastMessage: Readonly<{ conversationId: string; messageId: string; added: boolean }> | undefined;
  private rank = RECORD_RANK.backup;
  private seen = { conversations: 0, members: 0, messages: 0, reactions: 0, receipts: 0, assets: 0 };
  private added = { conversationsAdded: 0, membersAdded: 0, messagesAdded: 0, reactionsAdded: 0, receiptsAdded: 0, assetsAdded: 0, recordsSkipped: 0 };
  private ended = false;

  constructor(db: Db) {
    this.insertConversation = db.prepare(
      `INSERT INTO conversations (id, domain, kind, protocol, name, created_at, last_activity_at, message_timer_ms, muted_until, archived, left_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    this.insertMember = db.prepare(
      `INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, user_id) DO NOTHING`,
    );
    this.insertMessageBatch = db.prepare(`${MESSAGE_INSERT}${Array.from({ length: MESSAGE_BATCH }, () => MESSAGE_ROW).join(', ')}${MESSAGE_CONFLICT}`);
    this.insertMessage = db.prepare(`${MESSAGE_INSERT}${MESSAGE_ROW}${MESSAGE_CONFLICT}`);
    this.messageSeq = db.prepare(MESSAGE_SEQ_LOOKUP).pluck();
    this.setReadPosition = db.prepare('UPDATE conversations SET last_read_seq = ? WHERE id = ?');
    this.insertReaction = db.prepare(
      `INSERT INTO reactions (conversation_id, message_id, user_id, emoji, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (conversation_id, message_id, user_id) DO NOTHING`,
    );
    this.insertReceipt = db.prepare(
      `INSERT INTO receipts (conversation_id, message_id, user_id, kind, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (conversation_id, message_id, user_id, kind) DO NOTHING`,
    );
    this.insertAsset = db.prepare(
      `INSERT INTO assets (asset_id, domain, conversation_id, message_id, name, mime, size, key, sha256, local_path)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (asset_id) DO NOTHING`,
    );
    const max: unknown = db.prepare('SELECT coalesce(max(seq), 0) FROM messages').pluck().get();
    this.seqBefore = typeof max === 'number' ? max : 0;
  }

  /** Applies one record after the start record; throws `backup-corrupt` for records out of place. */
  apply(record: HistoryRecord): void {
    if (this.ended) throw corrupt('it has records after its end');
    const rank = RECORD_RANK[record.type];
    if (rank < this.rank) throw corrupt('its records are out of order');
    this.rank = rank;
    // Everything after the messages refers to them: write the last batch first.
    if (rank > RECORD_RANK.message && !this.messagesWritten) this.finishMessages();
    switch (record.type) {
      case 'conversation':
        this.conversation(record);
        return;
      case 'member':
        this.member(record);
        return;
      case 'message':
        this.message(record);
        return;
      case 'reaction':
        this.reaction(record);
        return;
      case 'receipt':
        this.receipt(record);
        return;
      case 'asset':
        this.asset(record);
        return;
      case 'end':
        this.end(record);
        return;
      default:
        missingCase(record);
    }
  }

  get complete(): boolean {
    return this.ended;
  }

  get counts(): MergeCounts {
    return { ...this.added };
  }

  /** How far the merge is through the file's messages, for `importBackup`'s choice of indexes. */
  get messageProgress(): MessageProgress {
    const waiting = this.pendingMessages.length / MESSAGE_COLUMNS;
    return {
      storedMessages: this.seqBefore,
      messagesSeen: this.seen.messages,
      messagesWritten: this.seen.messages - waiting,
      messagesAdded: this.added.messagesAdded,
      messagesDone: this.messagesWritten,
    };
  }

  private conversation(r: ConversationRecord): void {
    if (this.backupConversations.has(r.id)) throw corrupt('a conversation appears twice');
    this.backupConversations.add(r.id);
    this.seen.conversations++;
    const result = this.insertConversation.run(
      r.id, r.domain, r.kind, r.protocol, r.name, r.createdAt, r.lastActivityAt, r.messageTimerMs, r.mutedUntil, r.archived ? 1 : 0, r.leftAt,
    );
    if (result.changes === 1) {
      this.createdConversations.add(r.id);
      if (r.lastReadMessageId !== null) this.readPositions.set(r.id, r.lastReadMessageId);
      this.added.conversationsAdded++;
    } else this.added.recordsSkipped++;
  }

  private member(r: MemberRecord): void {
    this.requireConversation(r.conversationId, 'a member');
    this.seen.members++;
    if (this.createdConversations.has(r.conversationId) && this.insertMember.run(r.conversationId, r.userId, r.role, r.joinedAt).changes === 1) {
      this.added.membersAdded++;
    } else this.added.recordsSkipped++;
  }

  private message(r: MessageRecord): void {
    this.requireConversation(r.conversationId, 'a message');
    this.seen.messages++;
    const content = r.content === null ? null : Buffer.from(r.content, 'hex');
    const status = r.status === 'pending' ? 'failed' : r.status;
    this.pendingMessages.push(
      r.id, r.conversationId, r.senderUserId, r.senderClientId, r.kind, r.body, content, r.sentAt, r.receivedAt,
      r.editedAt, r.deletedAt, r.timerMs, r.expiresAt, status,
    );
    if (this.pendingMessages.length === MESSAGE_BATCH * MESSAGE_COLUMNS) this.writeMessages(this.insertMessageBatch);
  }

  /** Writes the buffered messages with one statement (or one per message for the last few). */
  private writeMessages(statement: Statement): void {
    const values = this.pendingMessages;
    this.pendingMessages = [];
    const messages = values.length / MESSAGE_COLUMNS;
    let added = 0;
    if (statement === this.insertMessageBatch) added = statement.run(values).changes;
    else for (let i = 0; i < values.length; i += MESSAGE_COLUMNS) added += statement.run(values.slice(i, i + MESSAGE_COLUMNS)).changes;
    this.added.messagesAdded += added;
    this.added.recordsSkipped += messages - added;
  }

  /** The last messages, then the read positions of the conversations this import created. */
  private finishMessages(): void {
    this.messagesWritten = true;
    if (this.pendingMessages.length > 0) this.writeMessages(this.insertMessage);
    for (const [conversationId, messageId] of this.readPositions) {
      const seq = this.messageSeq.get(conversationId, messageId);
      if (typeof seq !== 'number') throw corrupt("a conversation's read position names a message it does not carry");
      this.setReadPosition.run(seq, conversationId);
    }
  }

  private reaction(r: ReactionRecord): void {
    this.seen.reactions++;
    if (this.addedByThisImport(r.conversationId, r.messageId, 'a reaction') && this.insertReaction.run(r.conversationId, r.messageId, r.userId, r.emoji, r.updatedAt).changes === 1) {
      this.added.reactionsAdded++;
    } else this.added.recordsSkipped++;
  }

  private receipt(r: ReceiptRecord): void {
    this.seen.receipts++;
    if (this.addedByThisImport(r.conversationId, r.messageId, 'a receipt') && this.insertReceipt.run(r.conversationId, r.messageId, r.userId, r.kind, r.at).changes === 1) {
      this.added.receiptsAdded++;
    } else this.added.recordsSkipped++;
  }

  private asset(r: AssetRecord): void {
    this.seen.assets++;
    if (
      this.addedByThisImport(r.conversationId, r.messageId, 'a file') &&
      this.insertAsset.run(r.assetId, r.domain, r.conversationId, r.messageId, r.name, r.mime, r.size, Buffer.from(r.key, 'hex'), Buffer.from(r.sha256, 'hex'))
        .changes === 1
    ) {
      this.added.assetsAdded++;
    } else this.added.recordsSkipped++;
  }

  private end(r: BackupEndRecord): void {
    const { seen } = this;
    if (
      r.conversations !== seen.conversations || r.members !== seen.members || r.messages !== seen.messages ||
      r.reactions !== seen.reactions || r.receipts !== seen.receipts || r.assets !== seen.assets
    ) {
      throw corrupt('its record counts do not match its end');
    }
    this.ended = true;
  }

  private requireConversation(conversationId: string, what: string): void {
    if (!this.backupConversations.has(conversationId)) throw corrupt(`${what} belongs to no conversation in the file`);
  }

  /**
   * Whether the message a record belongs to was added by this import (see the class comment).
   * Records come in the order of their message, so the answer for the last message is kept.
   */
  private addedByThisImport(conversationId: string, messageId: string, what: string): boolean {
    const last = this.lastMessage;
    if (last !== undefined && last.conversationId === conversationId && last.messageId === messageId) return last.added;
    this.requireConversation(conversationId, what);
    const seq: unknown = this.messageSeq.get(conversationId, messageId);
    if (typeof seq !== 'number') throw corrupt(`${what} belongs to no message in the file`);
    const added = seq > this.seqBefore;
    this.lastMessage = { conversationId, messageId, added };
    return added;
  }
}

function corrupt(what: string): BackupFailure {
  return new BackupFailure('backup-corrupt', `The backup file is damaged: ${what}. Nothing was imported. Use another copy of the backup.`);
}
