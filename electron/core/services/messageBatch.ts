import type { WritableDB } from '../store/handles';
import { unarchiveOnNewMessage } from '../store/conversations';
import type { NewMessage } from '../store/messages';
import { insertMessages } from '../store/messages';
import type { CheckedMentions } from './messageReferences';

/**
 * A received message waiting to be stored. The receive transaction stores the messages of a run
 * together (`storeMessages`, one INSERT per 64); `added` says afterwards whether it was new.
 */
export class MessageToStore {
  added = false;

  constructor(
    readonly message: NewMessage,
    /** Someone else's text, file or ping: it may bring an archived conversation back. */
    readonly fromOthers: boolean,
    /** Mentions, checked against the members as stored in the same transaction when it is stored. */
    readonly mentions?: (tx: WritableDB) => CheckedMentions,
    /** What else to write in the same transaction when the message was new (a receipt owed, say). */
    readonly whenNew?: (tx: WritableDB) => void,
  ) {}
}

/**
 * Stores messages in order (each once) inside the caller's transaction, writes what each new one
 * brings along (`whenNew`), and brings each archived
 * conversation that got a new message from someone else back to the list (store/conversations.ts
 * `unarchiveOnNewMessage`), once per conversation.
 */
export function storeMessages(tx: WritableDB, batch: readonly MessageToStore[]): void {
  const added = insertMessages(
    tx,
    batch.map((item) => (item.mentions ? { ...item.message, ...item.mentions(tx) } : item.message)),
  );
  const unarchive = new Map<string, number>();
  batch.forEach((item, index) => {
    item.added = added[index] === true;
    if (item.added) item.whenNew?.(tx);
    const { conversationId, receivedAt } = item.message;
    if (item.added && item.fromOthers) unarchive.set(conversationId, Math.max(unarchive.get(conversationId) ?? 0, receivedAt));
  });
  for (const [conversationId, at] of unarchive) unarchiveOnNewMessage(tx, conversationId, at);
}
