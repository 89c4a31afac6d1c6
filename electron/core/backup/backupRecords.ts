import { z } from 'zod';

/**
 * The logical records of a backup, one JSON object per line (docs/backup-format.md). The same
 * lines form the unencrypted export and the plaintext inside the encrypted one. Field names are
 * the store's columns in camelCase; ids are the store's own (qualified user ids, sender message
 * ids), never the local `seq`.
 */
export const BACKUP_FORMAT_NAME = 'cairn-backup';

const id = z.string().min(1).max(1024);
const time = z.number().int().min(0);
const positive = z.number().int().positive();
const HEX = /^(?:[0-9a-f]{2})*$/;

export const backupStartRecord = z.strictObject({
  type: z.literal('backup'),
  format: z.literal(BACKUP_FORMAT_NAME),
  version: z.number().int(),
  userId: id,
  createdAt: time,
});

export const conversationRecord = z.strictObject({
  type: z.literal('conversation'),
  id,
  kind: z.enum(['group', 'one-to-one', 'self']),
  protocol: z.enum(['mls', 'proteus']),
  name: z.string().nullable(),
  createdAt: time,
  lastActivityAt: time,
  messageTimerMs: positive.nullable(),
  mutedUntil: time.nullable(),
  archived: z.boolean(),
  leftAt: time.nullable(),
});

export const memberRecord = z.strictObject({
  type: z.literal('member'),
  conversationId: id,
  userId: id,
  role: z.enum(['admin', 'member']),
  joinedAt: time,
});

export const messageRecord = z.strictObject({
  type: z.literal('message'),
  conversationId: id,
  id,
  senderUserId: id,
  senderClientId: id,
  kind: z.enum(['text', 'asset', 'knock', 'system', 'undecryptable']),
  body: z.string().nullable(),
  /** The decoded content message (CBOR) as lowercase hex: mentions, quotes, asset keys and metadata. */
  content: z.string().regex(HEX).nullable(),
  sentAt: time,
  receivedAt: time,
  editedAt: time.nullable(),
  deletedAt: time.nullable(),
  timerMs: positive.nullable(),
  expiresAt: time.nullable(),
  status: z.enum(['pending', 'sent', 'failed', 'received']),
});

export const backupEndRecord = z.strictObject({
  type: z.literal('end'),
  conversations: z.number().int().min(0),
  members: z.number().int().min(0),
  messages: z.number().int().min(0),
});

export const backupRecord = z.discriminatedUnion('type', [
  backupStartRecord,
  conversationRecord,
  memberRecord,
  messageRecord,
  backupEndRecord,
]);

export type BackupStartRecord = z.infer<typeof backupStartRecord>;
export type ConversationRecord = z.infer<typeof conversationRecord>;
export type MemberRecord = z.infer<typeof memberRecord>;
export type MessageRecord = z.infer<typeof messageRecord>;
export type BackupEndRecord = z.infer<typeof backupEndRecord>;
export type BackupRecord = z.infer<typeof backupRecord>;
export type RecordType = BackupRecord['type'];

/**
 * Where each record type may appear: a file is `backup`, then every `conversation`, then every
 * `member`, then every `message`, then `end`. Conversations come first so the importer knows
 * which conversations a member or message may refer to. A new record type gets its own rank
 * (and a new format version, see docs/backup-format.md).
 */
export const RECORD_RANK: Readonly<Record<RecordType, number>> = {
  backup: 0,
  conversation: 1,
  member: 2,
  message: 3,
  end: 4,
};

export function startRecordLine(userId: string, createdAt: number, version: number): string {
  const record: BackupStartRecord = { type: 'backup', format: BACKUP_FORMAT_NAME, version, userId, createdAt };
  return JSON.stringify(record);
}

export function endRecordLine(counts: Omit<BackupEndRecord, 'type'>): string {
  const record: BackupEndRecord = { type: 'end', ...counts };
  return JSON.stringify(record);
}
