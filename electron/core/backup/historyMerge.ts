import { missingCase } from '../../../protocol/result';
import type { Db } from '../store/migration';
import { BackupFailure } from './backupErrors';
import type { BackupRecord, ConversationRecord, MemberRecord, MessageRecord } from './backupRecords';
import { RECORD_RANK } from './backupRecords';

/** What an import added; records already present count as skipped. */
export interface MergeCounts {
  readonly conversationsAdded: number;
  readonly membersAdded: number;
  readonly messagesAdded: number;
  readonly recordsSkipped: number;
}

/**
 * Merges parsed records into the store without duplicates, so importing the same backup twice
 * changes nothing:
 * - a conversation already present keeps its local row (local state is newer than a backup);
 * - members are added only to conversations this import created: membership of a known
 *   conversation is the server's, and a backup must not bring back someone who left;
 * - a message is keyed by (conversation_id, id), the sender's id, as on the receive path; the
 *   local `seq` is new, in the order of the file, so history keeps its order. A message that
 *   was still pending when the backup was made is restored as `failed`, so a restored device
 *   never sends it on its own.
 *
 * The caller runs every `apply` inside one transaction and checks `finish` before committing.
 */
export class HistoryMerge {
  private readonly insertConversation;
  private readonly insertMember;
  private readonly insertMessage;
  private readonly backupConversations = new Set<string>();
  private readonly createdConversations = new Set<string>();
  private rank = RECORD_RANK.backup;
  private seen = { conversations: 0, members: 0, messages: 0 };
  private added = { conversationsAdded: 0, membersAdded: 0, messagesAdded: 0, recordsSkipped: 0 };
  private ended = false;

  constructor(db: Db) {
    this.insertConversation = db.prepare(
      `INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at, message_timer_ms, muted_until, archived, left_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    this.insertMember = db.prepare(
      `INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, user_id) DO NOTHING`,
    );
    this.insertMessage = db.prepare(
      `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, content, sent_at, received_at,
         edited_at, deleted_at, timer_ms, expires_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id, id) DO NOTHING`,
    );
  }

  /** Applies one record after the start record; throws `backup-corrupt` for records out of place. */
  apply(record: BackupRecord): void {
    if (this.ended) throw corrupt('it has records after its end');
    const rank = RECORD_RANK[record.type];
    if (rank < this.rank || record.type === 'backup') throw corrupt('its records are out of order');
    this.rank = rank;
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
      case 'end':
        if (record.conversations !== this.seen.conversations || record.members !== this.seen.members || record.messages !== this.seen.messages) {
          throw corrupt('its record counts do not match its end');
        }
        this.ended = true;
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

  private conversation(r: ConversationRecord): void {
    if (this.backupConversations.has(r.id)) throw corrupt('a conversation appears twice');
    this.backupConversations.add(r.id);
    this.seen.conversations++;
    const result = this.insertConversation.run(
      r.id, r.kind, r.protocol, r.name, r.createdAt, r.lastActivityAt, r.messageTimerMs, r.mutedUntil, r.archived ? 1 : 0, r.leftAt,
    );
    if (result.changes === 1) {
      this.createdConversations.add(r.id);
      this.added.conversationsAdded++;
    } else this.added.recordsSkipped++;
  }

  private member(r: MemberRecord): void {
    if (!this.backupConversations.has(r.conversationId)) throw corrupt('a member belongs to no conversation in the file');
    this.seen.members++;
    if (this.createdConversations.has(r.conversationId) && this.insertMember.run(r.conversationId, r.userId, r.role, r.joinedAt).changes === 1) {
      this.added.membersAdded++;
    } else this.added.recordsSkipped++;
  }

  private message(r: MessageRecord): void {
    if (!this.backupConversations.has(r.conversationId)) throw corrupt('a message belongs to no conversation in the file');
    this.seen.messages++;
    const content = r.content === null ? null : Buffer.from(r.content, 'hex');
    const status = r.status === 'pending' ? 'failed' : r.status;
    const result = this.insertMessage.run(
      r.id, r.conversationId, r.senderUserId, r.senderClientId, r.kind, r.body, content, r.sentAt, r.receivedAt,
      r.editedAt, r.deletedAt, r.timerMs, r.expiresAt, status,
    );
    if (result.changes === 1) this.added.messagesAdded++;
    else this.added.recordsSkipped++;
  }
}

function corrupt(what: string): BackupFailure {
  return new BackupFailure('backup-corrupt', `The backup file is damaged: ${what}. Nothing was imported. Use another copy of the backup.`);
}
