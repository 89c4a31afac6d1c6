import type { EventOf, Effects } from '../context';

/**
 * A conversation this user is in was created. Nothing to store yet: a conversation appears on
 * this device with its MLS group, from the creator's Welcome (mlsWelcome.ts) or an external join.
 */
export function conversationCreated(_event: EventOf<'conversation.create'>): Effects {
  return [];
}
