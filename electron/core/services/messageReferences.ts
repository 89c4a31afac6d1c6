/**
 * What a text message points at: the message it quotes (a reply) and the people it mentions.
 * Plain synchronous functions over the store, shared by the send and the receive path.
 */
import type { Mention } from '../../../protocol/content/schema';
import { CoreError } from '../ipc/errors';
import type { ReadableDB } from '../store/handles';
import { listMembers } from '../store/members';
import type { StoredMention } from '../store/messages';
import { textHash } from '../store/messages';
import { qualified } from '../store/users';
import { getMessage } from '../toContract';

/** Mentions as stored, and whether one of them names this user. */
export type CheckedMentions = Readonly<{ mentions: StoredMention[]; mentionsMe: boolean }>;

/**
 * Keeps the mentions that name members of the conversation (as this device last saw its member
 * list) and drops the rest: a mention of a stranger is not worth refusing a received message
 * for. The content schema has already checked that each mention lies inside the text.
 */
export function memberMentions(db: ReadableDB, conversationId: string, mentions: readonly Mention[], selfUser: string): CheckedMentions {
  if (mentions.length === 0) return { mentions: [], mentionsMe: false };
  const members = new Set(listMembers(db, conversationId).map((m) => m.id));
  const kept = mentions
    .map((m) => ({ start: m.start, length: m.length, user: qualified(m.user) }))
    .filter((m) => members.has(m.user));
  return { mentions: kept, mentionsMe: kept.some((m) => m.user === selfUser) };
}

/** Mentions the user is about to send: each must name a member (else nothing is sent). */
export function mentionsToSend(db: ReadableDB, conversationId: string, mentions: readonly Mention[], selfUser: string): CheckedMentions {
  const checked = memberMentions(db, conversationId, mentions, selfUser);
  if (checked.mentions.length !== mentions.length) {
    throw new CoreError('mention-not-member');
  }
  return checked;
}

/**
 * The quote of a reply about to be sent: the quoted message must be on this device, in the
 * same conversation, and not deleted. Its text's SHA-256 travels along, so receivers can tell
 * when the quoted message was edited after the reply.
 */
export function quoteToSend(db: ReadableDB, conversationId: string, messageId: string): { messageId: string; textHash: Uint8Array<ArrayBuffer> | null } {
  const quoted = getMessage(db, conversationId, messageId);
  if (!quoted || quoted.deleted || quoted.kind === 'system' || quoted.kind === 'undecryptable') {
    throw new CoreError('message-not-found', 'The message you reply to is not in this conversation (or was deleted). Nothing was sent.');
  }
  return { messageId, textHash: quoted.text === null ? null : textHash(quoted.text) };
}
