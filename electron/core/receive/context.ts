import type { Notification, NotificationEvent } from '../../../protocol/api/notifications';
import type { Logger } from '../log';
import type { DeviceContext } from '../session/device';
import type { GroupSession } from '../session/groupSession';
import type { Effect } from './effects';

/** What the receive handlers may read and ask: the device, its groups, the log, the user's preferences. They write nothing. */
export interface ReceiveContext {
  readonly device: DeviceContext;
  readonly groups: GroupSession;
  readonly log: Logger;
  readonly preferences: () => Readonly<{ sendReadReceipts: boolean; sendTypingIndicators: boolean }>;
}

/** The event of one notification type. */
export type EventOf<T extends NotificationEvent['type']> = Extract<NotificationEvent, { type: T }>;

/** A notification's id and time, for handlers whose lines are named after the notification. */
export type NotificationMeta = Pick<Notification, 'id' | 'time'>;

export type Effects = readonly Effect[];
