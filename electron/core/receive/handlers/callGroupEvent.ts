import type { EventOf, Effects, NotificationMeta } from '../context';

/** What the server tells the devices of a conference call's MLS group (subconversation). */
export type CallGroupEvent = EventOf<'conversation.subconv-mls-message-add'> | EventOf<'conversation.subconv-leave'>;

/**
 * A call group's commit, or a device saying it left the call. Nothing is stored: a call group
 * lives in memory only while this device is in the call (one that restarts joins again by
 * external commit), so the event goes to the running conference, if any, once the receive
 * transaction committed (calls/conference/callGroupInbox.ts).
 */
export function callGroupEvent(event: CallGroupEvent, notification: NotificationMeta): Effects {
  return [{ kind: 'follow-up', followUp: { kind: 'call-group-event', event, time: notification.time } }];
}
