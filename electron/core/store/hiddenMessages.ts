/**
 * Messages hidden on this device ("delete for me"): the `hidden_at` tombstone on a `messages`
 * row, and what goes with the message (its reactions and its file's key).
 */
import { removeAssetOf } from './assets';
import type { WritableDB } from './handles';
import { removeReactions } from './reactions';
import { cachedStatement } from './statements';

/**
 * Hides a message on this device: the text leaves the row and the search index, its file key
 * goes, and the row stays as a tombstone so a second delivery of the same message cannot bring it
 * back. With `forestall`, a message not stored yet (the user's other device hid it before it
 * reached this one) gets the tombstone now, so it never shows. Returns whether a visible message
 * was hidden.
 */
export function hideMessage(tx: WritableDB, conversationId: string, messageId: string, at: number, forestall = false): boolean {
  if (forestall) {
    cachedStatement(
      tx,
      `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, content, sent_at, received_at, status, hidden_at)
       SELECT ?, ?, '', '', 'text', NULL, NULL, ?, ?, 'received', ? WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?)
       ON CONFLICT (conversation_id, id) DO NOTHING`,
    ).run(messageId, conversationId, at, at, at, conversationId);
  }
  const changed =
    cachedStatement(tx, 'UPDATE messages SET body = NULL, content = NULL, mentions = NULL, hidden_at = ? WHERE conversation_id = ? AND id = ? AND hidden_at IS NULL').run(
      at,
      conversationId,
      messageId,
    ).changes > 0;
  if (changed) {
    removeAssetOf(tx, conversationId, messageId);
    removeReactions(tx, conversationId, messageId);
  }
  return changed;
}
