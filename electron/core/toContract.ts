/**
 * The one place stored rows become IPC contract types (issue 12, "a data layer"). The store's
 * repositories return rows in their own types and may not import the contract
 * (eslint-rules/boundaries.js); services and handlers that answer the renderer or emit an event
 * take the contract shape from here, so a column added to a table changes the store and this
 * file, never a service.
 */
import { z } from 'zod';
import type { ConversationSummary, StoredMessage } from './ipc/contract';
import type { ConversationSummaryRow } from './store/conversations';
import { conversationSummaryRow, listConversationRows } from './store/conversations';
import type { ReadableDB } from './store/handles';
import type { MemberSummary } from './store/members';
import { listMembers } from './store/members';
import type { SearchRow } from './store/messageSearch';
import { searchMessageRows } from './store/messageSearch';
import type { MessageRow } from './store/messages';
import { listMessageRows, MentionsJsonSchema, messageRow, textHash } from './store/messages';

/** A member of a conversation as `conversations.members` answers it. */
export type ContractMember = Readonly<{ id: string; name: string | null; role: 'admin' | 'member' }>;

// Schemas are built once, here: building one costs 10–15 µs, more than the row it checks
// (a message is mapped for every message received).
const ReactionsJsonSchema = z.array(z.object({ emoji: z.string(), user: z.string() }));
const UserListJsonSchema = z.array(z.string()).catch([]);
const MentionListSchema = MentionsJsonSchema.catch([]);

/** Groups `[{emoji, user}]` rows into one entry per emoji, in first-seen order. */
function groupReactions(json: string | null | undefined): Array<{ emoji: string; users: string[] }> {
  if (!json) return [];
  const parsed = ReactionsJsonSchema.safeParse(JSON.parse(json));
  if (!parsed.success) return [];
  const byEmoji = new Map<string, string[]>();
  for (const { emoji, user } of parsed.data) byEmoji.set(emoji, [...(byEmoji.get(emoji) ?? []), user]);
  return [...byEmoji].map(([emoji, users]) => ({ emoji, users }));
}

/** A message row of `conversationId` as the renderer shows it. */
export function toStoredMessage(conversationId: string, r: MessageRow): StoredMessage {
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
    mentions: r.mentions ? MentionListSchema.parse(JSON.parse(r.mentions)) : [],
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
function toQuote(r: MessageRow): NonNullable<StoredMessage['quote']> {
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

/** A search hit: the message's text and sender only (a result list shows no reactions, files or quotes). */
export function toSearchResult(r: SearchRow): StoredMessage {
  return {
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
  };
}

/** A conversation list row as the renderer shows it at `now`. */
export function toConversationSummary(r: ConversationSummaryRow, now: number): ConversationSummary {
  return {
    id: r.id,
    domain: r.domain,
    kind: r.kind === 'one-to-one' ? 'one-to-one' : 'group',
    name: r.name,
    memberCount: r.members,
    lastActivityAt: r.last_activity_at,
    lastMessage: r.last_body,
    left: r.left_at !== null,
    epoch: r.epoch,
    unread: r.unread,
    verification: r.verification,
    // A mute whose time is up no longer counts: shown as not muted.
    mutedUntil: r.muted_until !== null && r.muted_until > now ? r.muted_until : null,
    archived: r.archived === 1,
  };
}

export function toContractMember(m: MemberSummary): ContractMember {
  return { id: m.id, name: m.name, role: m.role };
}

// Reads that answer the renderer: the repository's rows, mapped here.

/** One message by id as the renderer shows it, or undefined (none, or hidden on this device). */
export function getMessage(db: ReadableDB, conversationId: string, id: string): StoredMessage | undefined {
  const row = messageRow(db, conversationId, id);
  return row === undefined ? undefined : toStoredMessage(conversationId, row);
}

/** A page of history (store/messages.ts `listMessageRows`) as the renderer shows it. */
export function listMessages(db: ReadableDB, conversationId: string, limit: number, before?: string): { messages: StoredMessage[]; hasOlder: boolean } {
  const page = listMessageRows(db, conversationId, limit, before);
  return { messages: page.rows.map((r) => toStoredMessage(conversationId, r)), hasOlder: page.hasOlder };
}

/** Full-text search (store/messageSearch.ts), newest first. */
export function searchMessages(db: ReadableDB, text: string, limit: number): StoredMessage[] {
  return searchMessageRows(db, text, limit).map(toSearchResult);
}

/** Conversations, most recent first. */
export function listConversations(db: ReadableDB, selfId: string, now: number = Date.now()): ConversationSummary[] {
  return listConversationRows(db, selfId).map((r) => toConversationSummary(r, now));
}

/** One conversation's row as `listConversations` has it; undefined when it is not listed (none, or the self-conversation). */
export function conversationSummary(db: ReadableDB, selfId: string, id: string, now: number = Date.now()): ConversationSummary | undefined {
  const row = conversationSummaryRow(db, selfId, id);
  return row === undefined ? undefined : toConversationSummary(row, now);
}

/** A conversation's members as `conversations.members` answers. */
export function conversationMembers(db: ReadableDB, conversationId: string): ContractMember[] {
  return listMembers(db, conversationId).map(toContractMember);
}
