/**
 * Table `reactions`: one emoji per person per message, the newest by its sender's clock. The only
 * code that touches it besides the backup's bulk pages and merge (backup/historyPages.ts,
 * backup/historyMerge.ts).
 */
import type { WritableDB } from './handles';
import { cachedStatement } from './statements';

/** One reaction per person per message; an empty emoji removes it. An older change than the stored one loses. */
export function applyReaction(tx: WritableDB, conversationId: string, messageId: string, user: string, emoji: string, at: number): void {
  if (emoji === '') {
    cachedStatement(tx, 'DELETE FROM reactions WHERE conversation_id = ? AND message_id = ? AND user_id = ?').run(conversationId, messageId, user);
    return;
  }
  cachedStatement(
    tx,
    `INSERT INTO reactions (conversation_id, message_id, user_id, emoji, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (conversation_id, message_id, user_id) DO UPDATE SET emoji = excluded.emoji, updated_at = excluded.updated_at
     WHERE excluded.updated_at >= reactions.updated_at`,
  ).run(conversationId, messageId, user, emoji, at);
}

/** Drops every reaction to a message (it was deleted for everyone or hidden on this device). */
export function removeReactions(tx: WritableDB, conversationId: string, messageId: string): void {
  cachedStatement(tx, 'DELETE FROM reactions WHERE conversation_id = ? AND message_id = ?').run(conversationId, messageId);
}

/**
 * A column for a message query over `messages <alias>`: `reactions`, a JSON array of
 * `{emoji, user}` objects (`[]` when none). The message repository puts it in its SELECT, so a
 * page of messages costs one statement.
 */
export function reactionsColumn(alias: string): string {
  return `(SELECT json_group_array(json_object('emoji', r.emoji, 'user', r.user_id)) FROM reactions r
   WHERE r.conversation_id = ${alias}.conversation_id AND r.message_id = ${alias}.id) AS reactions`;
}
