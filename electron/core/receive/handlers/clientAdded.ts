import type { EventOf, Effects, NotificationMeta, ReceiveContext } from '../context';

/** Another device was added to the account (seed 002: every device is told): the UI lists it. */
export function clientAdded(context: ReceiveContext, event: EventOf<'user.client-add'>, notification: NotificationMeta): Effects {
  if (event.client.id === context.device.clientId) return [];
  const { id, label, model, type } = event.client;
  return [{ kind: 'follow-up', followUp: { kind: 'device-added', device: { id, label, model, type, at: notification.time } } }];
}
