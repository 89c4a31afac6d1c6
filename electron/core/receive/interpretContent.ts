/**
 * What a decrypted application message means for this device, as effects (effects.ts): a pure
 * function of the plaintext and what the caller read for it — no store, no MLS, no clock — so
 * every content type's meaning is unit-tested on its own (test/unit/receive/interpretContent.test.ts).
 * Its switch names every content type; a new one without a case fails the type check.
 */
import { decodeContent } from '../../../protocol/content/codec';
import type { Content } from '../../../protocol/content/schema';
import { missingCase } from '../../../protocol/result';
import type { Effect } from './effects';

/** Typing news older than this (a queue replayed after being offline) is not worth showing. */
export const STALE_TYPING_MS = 30_000;

export type ContentInput = Readonly<{
  conversationId: string;
  /** The notification that carried it: names the line for a message that cannot be read. */
  notificationId: number;
  /** When the server received it (epoch ms): the time of a message that cannot be read. */
  notificationTime: number;
  /** The authenticated MLS sender, `id@domain`, and its device. */
  sender: string;
  senderClient: string;
  /** This user, `id@domain`. */
  selfId: string;
  plaintext: Uint8Array;
  receivedAt: number;
  /** Read only for the content that needs them (receipts, typing). */
  preferences: () => Readonly<{ sendReadReceipts: boolean; sendTypingIndicators: boolean }>;
}>;

type Plain = Exclude<Content, { type: 'ephemeral' }>;

export function interpretContent(input: ContentInput): readonly Effect[] {
  const { conversationId, sender, senderClient, selfId, receivedAt } = input;
  const decoded = decodeContent(input.plaintext);
  if (!decoded.ok) {
    return [
      storeMessage(input.selfId, {
        id: `unreadable-${input.notificationId}`,
        conversationId,
        senderUser: sender,
        senderClient,
        kind: 'undecryptable',
        body: null,
        content: null,
        sentAt: input.notificationTime,
        receivedAt,
        status: 'received',
      }),
    ];
  }
  const message = decoded.value;
  const ephemeral = message.content.type === 'ephemeral' ? message.content : undefined;
  const body: Plain = message.content.type === 'ephemeral' ? message.content.content : message.content;
  const timer = ephemeral ? { timerMs: ephemeral.expireAfterMs } : {};
  const received = { id: message.id, conversationId, senderUser: sender, senderClient, content: input.plaintext, sentAt: message.sentAt, receivedAt, status: 'received' } as const;
  switch (body.type) {
    case 'text':
      return [
        {
          ...storeMessage(input.selfId, {
            ...received,
            kind: 'text',
            body: body.text,
            ...timer,
            ...(body.quote ? { quote: { messageId: body.quote.messageId, textHash: body.quote.textHash ?? null } } : {}),
          }),
          // Checked against the members as stored in the same transaction.
          mentions: body.mentions,
        },
      ];
    case 'knock':
      return [storeMessage(input.selfId, { ...received, kind: 'knock', body: null, ...timer })];
    case 'asset':
      return [
        storeMessage(input.selfId, { ...received, kind: 'asset', body: body.name }),
        { kind: 'save-asset', conversationId, messageId: message.id, asset: body },
      ];
    case 'edit':
      return [{ kind: 'edit-message', conversationId, messageId: body.replacingId, sender, text: body.text, sentAt: message.sentAt, mentions: body.mentions }];
    case 'delete':
      return [{ kind: 'delete-message', conversationId, messageId: body.messageId, sender, at: receivedAt }];
    case 'reaction':
      return [{ kind: 'react', conversationId, messageId: body.messageId, sender, emoji: body.emoji, at: message.sentAt }];
    case 'receipt':
      // Read receipts are mutual (as in Signal): with sending them off, others' are not kept
      // either. Receipts from this user's other devices say nothing to show.
      if (sender === selfId || (body.kind === 'read' && !input.preferences().sendReadReceipts)) return [];
      return [{ kind: 'save-receipts', conversationId, messageIds: body.messageIds, sender, receipt: body.kind, at: receivedAt }];
    case 'typing':
      // With typing indicators off, others' are not shown either (as in Signal).
      if (receivedAt - message.sentAt >= STALE_TYPING_MS || !input.preferences().sendTypingIndicators) return [];
      return [{ kind: 'follow-up', followUp: { kind: 'typing', conversationId, user: sender, state: body.state } }];
    case 'hide':
      // Only the user's own devices may hide messages here (the MLS sender is authenticated).
      if (sender !== selfId) return [];
      return [{ kind: 'hide-message', conversationId: body.conversationId, messageId: body.messageId, at: receivedAt }];
    case 'call-setup':
    case 'call-answer':
    case 'call-reject':
    case 'call-cancel':
    case 'call-hangup':
    case 'call-media':
    case 'call-ice-restart':
      // Call signalling (issue 13) belongs to the call machine (session/calls/callService.ts),
      // after this transaction committed; it never becomes a message of the history. The server's
      // time of the message decides whether a setup may still ring (callMachine.ts).
      return [{ kind: 'follow-up', followUp: { kind: 'call-message', conversationId, from: { user: userOf(sender), clientId: senderClient }, sentAt: input.notificationTime, content: body } }];
    case 'conference-start':
    case 'conference-end':
    case 'conference-media':
      // Conference signalling (issue 14) belongs to the conference service
      // (session/calls/conference/conferenceService.ts), after this transaction committed; it
      // writes its own history lines. The server's time of the message dates them.
      return [{ kind: 'follow-up', followUp: { kind: 'conference-message', conversationId, from: { user: userOf(sender), clientId: senderClient }, sentAt: input.notificationTime, content: body } }];
    default:
      return missingCase(body);
  }
}

/** `id@domain` as a user (a user id is a UUID: the last `@` starts the domain). */
function userOf(qualifiedId: string): Readonly<{ id: string; domain: string }> {
  const at = qualifiedId.lastIndexOf('@');
  return { id: qualifiedId.slice(0, at), domain: qualifiedId.slice(at + 1) };
}

/** A received message to store: someone else's text, file or ping notifies and is owed a delivery receipt. */
export function storeMessage(selfId: string, message: Extract<Effect, { kind: 'store-message' }>['message']): Extract<Effect, { kind: 'store-message' }> {
  const fromOthers = message.kind === 'text' || message.kind === 'asset' || message.kind === 'knock';
  return { kind: 'store-message', message, fromOthers, owesReceipt: fromOthers && message.senderUser !== selfId };
}
