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
  /**
   * Pushes may have been missed (the instance lost its channel to the other instances): close so
   * the device reconnects and catches up from the queue.
   */
  reconnect(): void;
  /** The session (cookie connection id) the socket was opened with. */
  readonly connection: string;
}

/**
 * Where the hub's changes go when several server instances share one database
 * (`instances.ts`): a route's stored notifications and removals reach the devices of every
 * instance, each instance's in the database's commit order.
 */
export interface HubRelay {
  committed(delivered: readonly Delivered[]): void;
  clientRemoved(client: ClientRef): void;
  userSignedOut(userId: string, keep?: string): void;
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
  private relay: HubRelay | undefined;

  /** `observe` hears each fan-out: distinct notifications, frames pushed, and how long it took (metrics). */
  constructor(private readonly observe?: (notifications: number, pushes: number, seconds: number) => void) {}

  /**
   * From now on the routes' `deliver`, `clientRemoved` and `userSignedOut` go through `relay`,
   * which calls this hub's `push…`/`…Here` methods in the order of the shared database.
   */
  relayThrough(relay: HubRelay): void {
    this.relay = relay;
  }

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
   * A route's transaction stored these notifications: pushes them to their targets' sockets
   * (through the relay when there are several instances).
   */
  deliver(delivered: readonly Delivered[]): void {
    if (this.relay === undefined) this.push(delivered);
    else if (delivered.length > 0) this.relay.committed(delivered);
  }

  /**
   * Pushes stored notifications to the sockets of their targets on this instance. A message
   * written once to a conversation's log is one notification for all its targets: its frame is
   * built once and the same string goes to every socket.
   */
  push(delivered: readonly Delivered[]): void {
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
    if (this.relay === undefined) this.clientRemovedHere(client);
    else this.relay.clientRemoved(client);
  }

  clientRemovedHere(client: ClientRef): void {
    for (const subscriber of this.of(client) ?? []) subscriber.removed();
  }

  /**
   * Disconnects every device of a user, e.g. after a password reset revoked all cookies, or all
   * but the session `keep` after a password change.
   */
  userSignedOut(userId: string, keep?: string): void {
    if (this.relay === undefined) this.userSignedOutHere(userId, keep);
    else this.relay.userSignedOut(userId, keep);
  }

  userSignedOutHere(userId: string, keep?: string): void {
    for (const set of this.subscribers.get(userId)?.values() ?? []) {
      for (const subscriber of set) if (subscriber.connection !== keep) subscriber.signedOut();
    }
  }

  /** Asks every socket on this instance to reconnect (pushes may have been missed). */
  reconnectAll(): void {
    for (const clients of this.subscribers.values()) for (const set of clients.values()) for (const subscriber of set) subscriber.reconnect();
  }

  /** Open sockets of one client; bounded so one device cannot hold unlimited server memory. */
  connections(client: ClientRef): number {
    return this.of(client)?.size ?? 0;
  }
}
