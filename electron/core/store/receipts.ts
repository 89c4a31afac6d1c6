/**
 * Table `receipts`: who has received (`delivered`) and read (`read`) this user's own messages,
 * one row per message, person and kind. The only code that writes it besides the backup's
 * bulk merge (backup/historyMerge.ts).
 */
import type { WritableDB } from './handles';
import { cachedStatement } from './statements';

export type ReceiptKind = 'delivered' | 'read';

/**
 * Stores receipts from `user` for messages of `selfUser` (receipts travel to the whole group;
 * those for others' messages are not ours to keep). Returns the ids of the messages it changed.
 */
export function saveReceipts(
  tx: WritableDB,
  conversationId: string,
  messageIds: readonly string[],
  user: string,
  kind: ReceiptKind,
  at: number,
  selfUser: string,
): string[] {
  const insert = cachedStatement(
    tx,
    `INSERT INTO receipts (conversation_id, message_id, user_id, kind, at) SELECT ?, ?, ?, ?, ?
     WHERE EXISTS (SELECT 1 FROM messages WHERE conversation_id = ? AND id = ? AND sender_user_id = ?) ON CONFLICT DO NOTHING`,
  );
  return messageIds.filter((id) => insert.run(conversationId, id, user, kind, at, conversationId, id, selfUser).changes > 0);
}

/**
 * Columns for a message query over `messages <alias>`: `read_by` and `delivered_to`, each a JSON
 * array of the users who sent that receipt (`[]` when none). The message repository puts them in
 * its SELECT, so a page of messages costs one statement.
 */
export function receiptColumns(alias: string): string {
  const of = (kind: ReceiptKind): string =>
    `(SELECT json_group_array(rc.user_id) FROM receipts rc WHERE rc.conversation_id = ${alias}.conversation_id
   AND rc.message_id = ${alias}.id AND rc.kind = '${kind}')`;
  return `${of('read')} AS read_by,\n  ${of('delivered')} AS delivered_to`;
}
