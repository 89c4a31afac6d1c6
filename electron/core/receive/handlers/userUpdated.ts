import type { EventOf, Effects } from '../context';

/**
 * A user's profile changed (sent to the user's devices and to everyone sharing a conversation
 * with them): the stored name and handle follow, so lists and member names are current; a
 * change of this user's own name also reaches the signed-in status (applyEffects `save-profile`).
 */
export function userUpdated(event: EventOf<'user.update'>): Effects {
  const { qualifiedId, name, handle } = event.user;
  return [{ kind: 'save-profile', user: qualifiedId, name, handle, at: Date.now() }];
}
