/**
 * The full-text index `messages_fts` (FTS5 inside the encrypted DB, kept by triggers on
 * `messages`): search over decrypted message text, newest first. Clearing a message's `body`
 * takes its text out of the index (FTS5 secure-delete is on).
 */
import { z } from 'zod';
import type { ReadableDB } from './handles';
import { MessageRowSchema } from './messages';
import { cachedStatement } from './statements';

const SearchRowSchema = MessageRowSchema.extend({ conversation_id: z.string() });

/** A search hit: the message's own columns and its conversation (toContract.ts maps it). */
export type SearchRow = z.infer<typeof SearchRowSchema>;

/**
 * Messages whose text has every word of `text` (as a prefix), newest first, at most `limit`.
 * Takes rowids from the index in rowid order and joins afterwards: sorting every match by time
 * instead costs tens of milliseconds at 100 000 messages (store README).
 */
export function searchMessageRows(db: ReadableDB, text: string, limit: number): SearchRow[] {
  const query = ftsQuery(text);
  if (query === '') return [];
  const rows = cachedStatement(
    db,
    `SELECT m.id, m.conversation_id, m.sender_user_id, m.sender_client_id, m.kind, m.body, m.sent_at, m.status, u.name AS sender_name
     FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f
     JOIN messages m ON m.seq = f.rowid LEFT JOIN users u ON u.id = m.sender_user_id
     ORDER BY m.seq DESC`,
  ).all(query, limit);
  return SearchRowSchema.array().parse(rows);
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
