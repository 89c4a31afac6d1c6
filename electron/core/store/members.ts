/**
 * Table `conversation_members`: who is in each conversation and with which role, as this device
 * last read it from the server (conversation events, refreshes, resync).
 */
import { z } from 'zod';
import type { ReadableDB, WritableDB } from './handles';
import { cachedStatement } from './statements';
import { qualified } from './users';

export type MemberRole = 'admin' | 'member';

export interface MemberSummary {
  readonly id: string;
  readonly name: string | null;
  readonly role: MemberRole;
}

const MemberRowsSchema = z.array(z.object({ id: z.string(), name: z.string().nullable(), role: z.enum(['admin', 'member']) }));
const RoleRowsSchema = z.array(z.object({ user_id: z.string(), role: z.enum(['admin', 'member']) }));

/** Replaces a conversation's member list with the server's. */
export function replaceMembers(
  tx: WritableDB,
  conversationId: string,
  members: ReadonlyArray<Readonly<{ user: Readonly<{ id: string; domain: string }>; role: MemberRole }>>,
  now: number,
): void {
  cachedStatement(tx, 'DELETE FROM conversation_members WHERE conversation_id = ?').run(conversationId);
  const insert = cachedStatement(tx, 'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)');
  for (const member of members) insert.run(conversationId, qualified(member.user), member.role, now);
}

/** Changes a member's role as the server announced it; returns whether the member was listed. */
export function setMemberRole(tx: WritableDB, conversationId: string, user: string, role: MemberRole): boolean {
  return cachedStatement(tx, 'UPDATE conversation_members SET role = ? WHERE conversation_id = ? AND user_id = ?').run(role, conversationId, user).changes > 0;
}

/** The conversations `user` (`id@domain`) is a member of, as this device last saw them. */
export function conversationsWith(db: ReadableDB, user: string): string[] {
  return z.array(z.string()).parse(cachedStatement(db, 'SELECT conversation_id FROM conversation_members WHERE user_id = ?').pluck().all(user));
}

/** Members of a conversation as this device last saw them, with their names. */
export function listMembers(db: ReadableDB, conversationId: string): MemberSummary[] {
  const rows = cachedStatement(
    db,
    `SELECT m.user_id AS id, u.name AS name, m.role AS role FROM conversation_members m LEFT JOIN users u ON u.id = m.user_id
     WHERE m.conversation_id = ? ORDER BY m.role, u.name`,
  ).all(conversationId);
  return MemberRowsSchema.parse(rows);
}

/** Whether `user` (qualified) is a stored member of the conversation. */
export function isMember(db: ReadableDB, conversationId: string, user: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM conversation_members WHERE conversation_id = ? AND user_id = ?').pluck().get(conversationId, user) === 1;
}

/** Each stored member of a conversation with their role (qualified id → role). */
export function memberRoles(db: ReadableDB, conversationId: string): Map<string, MemberRole> {
  const rows = RoleRowsSchema.parse(cachedStatement(db, 'SELECT user_id, role FROM conversation_members WHERE conversation_id = ?').all(conversationId));
  return new Map(rows.map((r) => [r.user_id, r.role]));
}
