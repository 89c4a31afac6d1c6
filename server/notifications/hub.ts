import type { Notification } from '../../protocol';
import type { ClientRef, Delivered } from '../store/records';

/** Something that wants a client's notifications as they are stored: an open WebSocket. */
export interface Subscriber {
  /** `frame` is the `notification` frame's text, built once and shared by every target of a fan-out. */
  push(notification: Notification, frame: string): void;
  /** The client was deleted: tell it and disconnect. */
  removed(): void;
  /** The account's sessions were revoked (password reset or change): disconnect without further notice. */
  signedOut(): void;
  /** The session (cookie connection id) the socket was opened with. */
  readonly connection: string;
}

/**
 * The text of the WebSocket frame `{ type: 'notification', notification }`, the same bytes
 * JSON.stringify would give, from the event serialized once per fan-out.
 */
export function notificationFrame(notification: Notification, eventJson: string): string {
  return `{"type":"notification","notification":{"id":${notification.id},"time":${JSON.stringify(notification.time)},"event":${eventJson}}}`;
}

/**
 * Routes freshly stored notifications to the online subscribers of their target clients.
 * Push is best effort by design: the queue is the source of truth and clients catch up from it.
 */
export class NotificationHub {
  /** Subscribers by user, then by client: a fan-out looks each target up without building a key. */
  private readonly subscribers = new Map<string, Map<string, Set<Subscriber>>>();
  private sockets = 0;

  /** `observe` hears each fan-out: distinct notifications, frames pushed, and how long it took (metrics). */
  constructor(private readonly observe?: (notifications: number, pushes: number, seconds: number) => void) {}

  /** Open subscribers (device WebSockets) across all clients. */
  socketCount(): number {
    return this.sockets;
  }

  subscribe(client: ClientRef, subscriber: Subscriber): () => void {
    const clients = this.subscribers.get(client.userId) ?? new Map<string, Set<Subscriber>>();
    this.subscribers.set(client.userId, clients);
    const set = clients.get(client.clientId) ?? new Set<Subscriber>();
    clients.set(client.clientId, set);
    if (!set.has(subscriber)) this.sockets += 1;
    set.add(subscriber);
    return () => {
      if (set.delete(subscriber)) this.sockets -= 1;
      if (set.size === 0 && clients.get(client.clientId) === set) clients.delete(client.clientId);
      if (clients.size === 0 && this.subscribers.get(client.userId) === clients) this.subscribers.delete(client.userId);
    };
  }

  private of(client: ClientRef): ReadonlySet<Subscriber> | undefined {
    return this.subscribers.get(client.userId)?.get(client.clientId);
  }

  /**
   * Pushes stored notifications to their targets' sockets. A message written once to a
   * conversation's log is one notification for all its targets: its frame is built once and the
   * same string goes to every socket.
   */
  deliver(delivered: readonly Delivered[]): void {
    const started = this.observe === undefined ? 0 : performance.now();
    let last: Notification | undefined;
    let frame = '';
    let counted: Notification | undefined;
    let notifications = 0;
    let pushes = 0;
    for (const { target, notification, eventJson } of delivered) {
      if (notification !== counted) {
        notifications += 1;
        counted = notification;
      }
      const subscribers = this.of(target);
      if (subscribers === undefined) continue;
      if (notification !== last) {
        frame = notificationFrame(notification, eventJson);
        last = notification;
      }
      for (const subscriber of subscribers) subscriber.push(notification, frame);
      pushes += subscribers.size;
    }
    if (this.observe !== undefined && delivered.length > 0) this.observe(notifications, pushes, (performance.now() - started) / 1000);
  }

  clientRemoved(client: ClientRef): void {
    for (const subscriber of this.of(client) ?? []) subscriber.removed();
  }

  /**
   * Disconnects every device of a user, e.g. after a password reset revoked all cookies, or all
   * but the session `keep` after a password change.
   */
  userSignedOut(userId: string, keep?: string): void {
    for (const set of this.subscribers.get(userId)?.values() ?? []) {
      for (const subscriber of set) if (subscriber.connection !== keep) subscriber.signedOut();
    }
  }

  /** Open sockets of one client; bounded so one device cannot hold unlimited server memory. */
  connections(client: ClientRef): number {
    return this.of(client)?.size ?? 0;
  }
}
