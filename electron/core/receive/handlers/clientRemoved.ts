import type { EventOf, Effects } from '../context';

/**
 * A device was removed from the account: the UI drops it from the list. (This device's own
 * removal arrives as the stream's `client-removed` frame and wipes the profile: syncService.ts.)
 */
export function clientRemoved(event: EventOf<'user.client-remove'>): Effects {
  return [{ kind: 'follow-up', followUp: { kind: 'device-removed', id: event.client } }];
}
