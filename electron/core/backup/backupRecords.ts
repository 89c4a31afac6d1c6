import { z } from 'zod';
import { isAssetRecord, isMemberRecord, isMessageRecord, isReactionRecord, isReceiptRecord } from './fastRecordChecks';

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
const count = z.number().int().min(0);
const HEX = /^(?:[0-9a-f]{2})*$/;

export const backupStartRecord = z.strictObject({
  type: z.literal('backup'),
  format: z.literal(BACKUP_FORMAT_NAME),
  version: z.number().int(),
  userId: id,
  createdAt: time,
});

/** Version 1: a conversation without its domain or read position. */
const conversationRecordV1 = z.strictObject({
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

/**
 * Version 2 adds the conversation's backend domain (needed to send into it) and the id of the
 * last message this user had read, so a restored device neither shows its whole history as
 * unread nor sends read receipts for it. The local read position (`last_read_seq`) is a local
 * number and cannot travel itself.
 */
export const conversationRecord = conversationRecordV1.extend({
  domain: z.string().max(253),
  lastReadMessageId: id.nullable(),
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

/** Version 2. One per person per message, as in the store; the protocol's limit on the emoji. */
export const reactionRecord = z.strictObject({
  type: z.literal('reaction'),
  conversationId: id,
  messageId: id,
  userId: id,
  emoji: z.string().min(1).max(64),
  updatedAt: time,
});

/** Version 2. A delivery or read receipt another member sent for one of this user's messages. */
export const receiptRecord = z.strictObject({
  type: z.literal('receipt'),
  conversationId: id,
  messageId: id,
  userId: id,
  kind: z.enum(['delivered', 'read']),
  at: time,
});

const HEX_32_BYTES = /^[0-9a-f]{64}$/;

/**
 * Version 2. A file shared in a conversation: the server's asset id and domain, and the AES-256
 * key and SHA-256 of the ciphertext that arrived inside the E2EE message (seed 002, "Assets"), so
 * a restored device can still download and check the file while the server keeps it. Not the
 * bytes, and not where a downloaded copy was saved on the old device. Bounds as in the protocol.
 */
export const assetRecord = z.strictObject({
  type: z.literal('asset'),
  assetId: z.string().min(1).max(256),
  domain: z.string().min(1).max(253),
  conversationId: id,
  messageId: id,
  name: z.string().min(1).max(255),
  mime: z.string().min(1).max(255),
  size: z.number().int().min(0),
  key: z.string().regex(HEX_32_BYTES),
  sha256: z.string().regex(HEX_32_BYTES),
});

const counts = { conversations: count, members: count, messages: count };

const backupEndRecordV1 = z.strictObject({ type: z.literal('end'), ...counts });

export const backupEndRecord = z.strictObject({ type: z.literal('end'), ...counts, reactions: count, receipts: count, assets: count });

export type BackupStartRecord = z.infer<typeof backupStartRecord>;
export type ConversationRecord = z.infer<typeof conversationRecord>;
export type MemberRecord = z.infer<typeof memberRecord>;
export type MessageRecord = z.infer<typeof messageRecord>;
export type ReactionRecord = z.infer<typeof reactionRecord>;
export type ReceiptRecord = z.infer<typeof receiptRecord>;
export type AssetRecord = z.infer<typeof assetRecord>;
export type BackupEndRecord = z.infer<typeof backupEndRecord>;

/**
 * A record after the start record, as the merge sees it whatever the file's version: a version-1
 * conversation has no domain (`''`, the store's default) and no read position, a version-1 end
 * counts no reactions, receipts or assets.
 */
export type HistoryRecord =
  | ConversationRecord
  | MemberRecord
  | MessageRecord
  | ReactionRecord
  | ReceiptRecord
  | AssetRecord
  | BackupEndRecord;
export type RecordType = HistoryRecord['type'] | 'backup';

/**
 * Where each record type may appear: a file is `backup`, then every `conversation`, `member`,
 * `message`, `reaction`, `receipt` and `asset` in this order, then `end`. Conversations come
 * first so the importer knows which conversations a member or message may refer to, messages
 * before what refers to them. A new record type gets its own rank (and a new format version,
 * see docs/backup-format.md).
 */
export const RECORD_RANK: Readonly<Record<RecordType, number>> = {
  backup: 0,
  conversation: 1,
  member: 2,
  message: 3,
  reaction: 4,
  receipt: 5,
  asset: 6,
  end: 7,
};

/** Validates one parsed line as a record of one type; `undefined` when it is not a valid one. */
type RecordParser = (json: object) => HistoryRecord | undefined;

function bySchema(schema: z.ZodType<HistoryRecord>): RecordParser {
  return (json) => {
    const parsed = schema.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  };
}

/** The hand-written checks of `fastRecordChecks.ts`, for the types a backup holds by the thousand. */
function byCheck(check: (value: unknown) => value is HistoryRecord): RecordParser {
  return (json) => (check(json) ? json : undefined);
}

const V1_PARSERS: Readonly<Partial<Record<string, RecordParser>>> = {
  conversation: bySchema(conversationRecordV1.transform((r): ConversationRecord => ({ ...r, domain: '', lastReadMessageId: null }))),
  member: byCheck(isMemberRecord),
  message: byCheck(isMessageRecord),
  end: bySchema(backupEndRecordV1.transform((r): BackupEndRecord => ({ ...r, reactions: 0, receipts: 0, assets: 0 }))),
};

const V2_PARSERS: Readonly<Partial<Record<string, RecordParser>>> = {
  conversation: bySchema(conversationRecord),
  member: byCheck(isMemberRecord),
  message: byCheck(isMessageRecord),
  reaction: byCheck(isReactionRecord),
  receipt: byCheck(isReceiptRecord),
  asset: byCheck(isAssetRecord),
  end: bySchema(backupEndRecord),
};

/**
 * Validates one parsed line of a file of `version` (1 or 2) against the one strict definition
 * its `type` names. `undefined` for anything that is not a valid record of that version —
 * including types the version does not have.
 */
export function parseHistoryRecord(version: number, json: unknown): HistoryRecord | undefined {
  if (typeof json !== 'object' || json === null || !('type' in json) || typeof json.type !== 'string') return undefined;
  const parsers = version === 1 ? V1_PARSERS : V2_PARSERS;
  const parser = Object.hasOwn(parsers, json.type) ? parsers[json.type] : undefined;
  return parser?.(json);
}

export function startRecordLine(userId: string, createdAt: number, version: number): string {
  const record: BackupStartRecord = { type: 'backup', format: BACKUP_FORMAT_NAME, version, userId, createdAt };
  return JSON.stringify(record);
}

export function endRecordLine(counts: Omit<BackupEndRecord, 'type'>): string {
  const record: BackupEndRecord = { type: 'end', ...counts };
  return JSON.stringify(record);
}
