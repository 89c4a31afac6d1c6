import type { EventOf, Effects } from '../context';

/**
 * The account's password changed. Nothing to store: this device's session is its cookie, which
 * the server revokes if it must (the next request then signs the device out).
 */
export function passwordChanged(_event: EventOf<'user.password-changed'>): Effects {
  return [];
}
