/**
 * Keeps a signed-in device in step with its notification queue: runs the notification stream
 * while the app is unlocked, applies each notification in one database transaction together
 * with the new "last stored id", and only then lets the stream acknowledge it. Events for the
 * UI are emitted after the transaction committed.
 *
 * Today it applies device events (a new device on the account, this device removed); the
 * conversation and MLS events join here as the messaging pipeline lands.
 */
import { z } from 'zod';
import type { Notification } from '../../../protocol/api/notifications';
import type { EventHub } from '../events';
import type { ConnectionState } from '../ipc/contract';
import type { Logger } from '../log';
import type { ApiClient } from '../net/apiClient';
import { ApiError } from '../net/apiError';
import type { NotificationSink } from '../net/notificationStream';
import { CoreError } from '../ipc/errors';
import type { ConversationService, PreparedEffect } from './conversationService';
import { NotificationStream } from '../net/notificationStream';
import type { Db } from '../store/migration';
import { readKv, writeKv } from '../store/kv';

const LAST_ID_KEY = 'lastNotificationId';

export interface SyncHooks {
  /** The server says this device was removed from the account: wipe it. */
  readonly onDeviceRemoved: () => Promise<void>;
}

export class SyncService {
  private stream: NotificationStream | undefined;
  private state: ConnectionState['state'] = 'offline';

  constructor(
    private readonly events: EventHub,
    private readonly log: Logger,
    private readonly hooks: SyncHooks,
  ) {}

  get connection(): ConnectionState['state'] {
    return this.state;
  }

  /** Starts (or restarts) syncing for the signed-in device. */
  async start(api: ApiClient, baseUrl: string, db: Db, ownClientId: string, conversations: ConversationService): Promise<void> {
    await this.stop();
    const sink = this.receiver(db, ownClientId, conversations);
    this.stream = new NotificationStream({
      api,
      baseUrl,
      sink,
      log: this.log.child('stream'),
      onState: (state) => {
        this.setState(state);
        // Connected and caught up: make sure others can still add this device and reach it.
        if (state === 'online') {
          conversations.refillKeys().catch((error: unknown) => this.log.warn('refilling keys failed', { error }));
        }
      },
    });
    this.stream.start();
  }

  /**
   * The receive path the notification stream drives: stores what a notification carries
   * durably before resolving (the stream acknowledges it only then). Public so that the
   * receive-pipeline bench can feed it notifications it fetched itself.
   */
  receiver(db: Db, ownClientId: string, conversations: ConversationService): NotificationSink {
    return {
      lastStoredId: () => readKv(db, 'profile', LAST_ID_KEY, z.number().int().nonnegative()) ?? 0,
      // Applied under the conversations' lock: no send may read group state in between.
      handle: (notification) => conversations.exclusive(() => this.apply(db, ownClientId, conversations, notification)),
      resyncRequired: async () => {
        // Conversation state will be fetched again here once conversations are synced; until
        // then there is nothing local to repair, and the stream continues from what it sends.
        this.log.warn('the server dropped notifications this device never fetched; resync needed');
      },
      clientRemoved: async () => {
        await this.hooks.onDeviceRemoved();
      },
    };
  }

  async stop(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await stream.stop();
    this.setState('offline');
  }

  private async apply(db: Db, ownClientId: string, conversations: ConversationService, notification: Notification): Promise<void> {
    const lastStored = readKv(db, 'profile', LAST_ID_KEY, z.number().int().nonnegative()) ?? 0;
    if (notification.id <= lastStored) return; // already stored before a crash or reconnect
    const effect = await this.prepare(conversations, notification);
    const after: Array<() => void> = [];
    db.transaction(() => {
      effect?.write(db);
      if (effect) after.push(effect.after);
      const event = notification.event;
      switch (event.type) {
        case 'user.client-add':
          if (event.client.id !== ownClientId) {
            after.push(() =>
              this.events.emit('device.added', {
                id: event.client.id,
                label: event.client.label,
                model: event.client.model,
                type: event.client.type,
                at: notification.time,
              }),
            );
          }
          break;
        case 'user.client-remove':
          after.push(() => this.events.emit('device.removed', { id: event.client }));
          break;
        default:
          break;
      }
      writeKv(db, 'profile', LAST_ID_KEY, notification.id);
    })();
    for (const emit of after) emit();
  }

  /**
   * Decrypts and reads what a notification carries. A network failure is thrown, so the stream
   * reconnects and the notification comes again; anything else (a message this device can never
   * process) is logged and passed over, so one bad notification cannot stall the queue.
   */
  private async prepare(conversations: ConversationService, notification: Notification): Promise<PreparedEffect | undefined> {
    try {
      return await conversations.prepare(notification);
    } catch (error) {
      const retryable =
        (error instanceof CoreError && error.code === 'network-unreachable') || (error instanceof ApiError && error.status >= 500);
      if (retryable) throw error;
      this.log.error('a notification could not be applied; passed over', { id: notification.id, type: notification.event.type, error });
      return undefined;
    }
  }

  private setState(state: ConnectionState['state']): void {
    if (state === this.state) return;
    this.state = state;
    this.events.emit('connection.state', { state, since: Date.now() });
  }
}
