/**
 * Reading and writing conversations, their members and users' names in the encrypted store
 * (messages: messageStore.ts; files, groups: store/assets.ts, store/groups.ts). Plain synchronous
 * functions: callers wrap related writes in one transaction.
 */
import { z } from 'zod';
import type { Conversation } from '../../../protocol/api/conversations';
import type { ConversationSummary } from '../ipc/contract';
import type { Db } from '../store/migration';
import { groupEpochColumn } from '../store/groups';
import { cachedStatement } from '../store/statements';

const ConversationRowSchema = z.object({
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
  verification: z.enum(['non-verified', 'verified', 'degraded']),
  muted_until: z.number().nullable(),
  archived: z.number(),
});

const MemberRowsSchema = z.array(z.object({ id: z.string(), name: z.string().nullable(), role: z.enum(['admin', 'member']) }));

export function qualified(user: { id: string; domain: string }): string {
  return `${user.id}@${user.domain}`;
}

/** Inserts or refreshes a conversation and its member list from the server's view. */
export function saveConversation(db: Db, conversation: Conversation, now: number): void {
  db.prepare(
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
  db.prepare('DELETE FROM conversation_members WHERE conversation_id = ?').run(conversation.qualifiedId.id);
  const insert = db.prepare('INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)');
  for (const member of conversation.members) insert.run(conversation.qualifiedId.id, qualified(member.user), member.role, now);
}

export function saveUserProfile(db: Db, user: { id: string; domain: string }, name: string, handle: string | null, now: number): void {
  db.prepare(
    `INSERT INTO users (id, name, handle, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, handle = excluded.handle, updated_at = excluded.updated_at`,
  ).run(qualified(user), name, handle, now);
}

/**
 * What a conversation list row is read from: one query for the whole list and for one row
 * (`conversationSummary`), so a row sent with `conversation.changed` is the row a reload shows.
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

function toSummary(r: z.infer<typeof ConversationRowSchema>, now: number): ConversationSummary {
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

/** Conversations, most recent first. */
export function listConversations(db: Db, selfId: string, now: number = Date.now()): ConversationSummary[] {
  const rows = db.prepare(`${SUMMARY_SELECT} ORDER BY c.last_activity_at DESC`).all({ self: selfId });
  return ConversationRowSchema.array()
    .parse(rows)
    .map((r) => toSummary(r, now));
}

/** One conversation's row as `listConversations` has it; undefined when it is not listed (none, or the self-conversation). */
export function conversationSummary(db: Db, selfId: string, id: string, now: number = Date.now()): ConversationSummary | undefined {
  const row: unknown = cachedStatement(db, `${SUMMARY_SELECT} AND c.id = @id`).get({ self: selfId, id });
  return row === undefined ? undefined : toSummary(ConversationRowSchema.parse(row), now);
}

/** Mutes a conversation until `until` (epoch ms) or, with null, unmutes it. Returns whether it exists. */
export function setMutedUntil(db: Db, conversationId: string, until: number | null): boolean {
  return db.prepare('UPDATE conversations SET muted_until = ? WHERE id = ?').run(until, conversationId).changes > 0;
}

/** Archives a conversation or brings it back. Returns whether it exists. */
export function setArchived(db: Db, conversationId: string, archived: boolean): boolean {
  return db.prepare('UPDATE conversations SET archived = ? WHERE id = ?').run(archived ? 1 : 0, conversationId).changes > 0;
}

/** Whether a conversation is muted at `now`. */
export function isMuted(db: Db, conversationId: string, now: number = Date.now()): boolean {
  const until: unknown = cachedStatement(db, 'SELECT muted_until FROM conversations WHERE id = ?').pluck().get(conversationId);
  return typeof until === 'number' && until > now;
}

/**
 * A new message from someone else brings an archived conversation back to the main list, unless
 * it is muted (as Signal does). Returns whether it did.
 */
export function unarchiveOnNewMessage(db: Db, conversationId: string, now: number = Date.now()): boolean {
  return (
    cachedStatement(db, 'UPDATE conversations SET archived = 0 WHERE id = ? AND archived = 1 AND (muted_until IS NULL OR muted_until <= ?)').run(
      conversationId,
      now,
    ).changes > 0
  );
}

/** The name of a group conversation; null for a one-to-one, the self-conversation, an unnamed group or none. */
export function groupName(db: Db, id: string): string | null {
  const name: unknown = cachedStatement(db, "SELECT name FROM conversations WHERE id = ? AND kind = 'group'").pluck().get(id);
  return typeof name === 'string' && name !== '' ? name : null;
}

export function conversationExists(db: Db, id: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM conversations WHERE id = ?').pluck().get(id) === 1;
}

export function conversationDomain(db: Db, id: string): string | undefined {
  const domain: unknown = db.prepare('SELECT domain FROM conversations WHERE id = ?').pluck().get(id);
  return typeof domain === 'string' ? domain : undefined;
}

export interface MemberSummary {
  readonly id: string;
  readonly name: string | null;
  readonly role: 'admin' | 'member';
}

/** Changes a member's role as the server announced it; returns whether the member was listed. */
export function setMemberRole(db: Db, conversationId: string, user: string, role: 'admin' | 'member'): boolean {
  return db.prepare('UPDATE conversation_members SET role = ? WHERE conversation_id = ? AND user_id = ?').run(role, conversationId, user).changes > 0;
}

/** The conversations `user` (`id@domain`) is a member of, as this device last saw them. */
export function conversationsWith(db: Db, user: string): string[] {
  return z.array(z.string()).parse(db.prepare('SELECT conversation_id FROM conversation_members WHERE user_id = ?').pluck().all(user));
}

/** Marks a conversation left (this user is no longer in it). */
export function markLeft(db: Db, conversationId: string, at: number): void {
  db.prepare('UPDATE conversations SET left_at = ? WHERE id = ?').run(at, conversationId);
}

/** Whether this user is no longer in the conversation (removed or left); its history stays. */
export function isLeft(db: Db, conversationId: string): boolean {
  const left: unknown = cachedStatement(db, 'SELECT left_at FROM conversations WHERE id = ?').pluck().get(conversationId);
  return left !== null && left !== undefined;
}

/** Members of a conversation as this device last saw them, with their names. */
export function listMembers(db: Db, conversationId: string): MemberSummary[] {
  const rows = db
    .prepare(
      `SELECT m.user_id AS id, u.name AS name, m.role AS role FROM conversation_members m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.conversation_id = ? ORDER BY m.role, u.name`,
    )
    .all(conversationId);
  return MemberRowsSchema.parse(rows);
}

