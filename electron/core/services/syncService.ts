/**
 * Keeps a signed-in device in step with its notification queue: runs the notification stream
 * while the app is unlocked, applies the notifications it hands over in database transactions
 * that also store the new "last stored id" (a catch-up's run of MLS messages in one), and only
 * then lets the stream acknowledge them. Events for the UI are emitted after the transaction
 * committed.
 */
import { z } from 'zod';
import type { Notification } from '../../../protocol/api/notifications';
import type { EventHub } from '../events';
import type { ConnectionState } from '../ipc/contract';
import type { Logger } from '../log';
import type { ApiClient } from '../net/apiClient';
import { classifyFailure, isTransient } from '../net/classifyFailure';
import type { NotificationSink } from '../net/notificationStream';
import { NotificationStream } from '../net/notificationStream';
import { applyEffects } from '../receive/applyEffects';
import type { Effects } from '../receive/context';
import { prepareNotification } from '../receive/dispatch';
import type { FollowUp } from '../receive/effects';
import { runFollowUps } from '../receive/runFollowUps';
import type { Receiving } from '../session/session';
import { writeTransaction } from '../store/handles';
import type { Db } from '../store/migration';
import { readKv, writeKv } from '../store/kv';
import { ReceivedGroups } from './receivedGroups';
import { markResyncDue, Resync } from './resync';

const LAST_ID_KEY = 'lastNotificationId';
const LastIdSchema = z.number().int().nonnegative();
/**
 * Preparing (decrypting) this long ends a receive transaction: at most this much work is redone
 * after a crash, and a long catch-up shows its messages in steps this long. 100 ms measured
 * 0.05–0.1x (of bare decryption) cheaper than 50 ms in the receive-pipeline bench: fewer commits,
 * and the first message decrypted after each commit is slower than the rest (docs/ARCHITECTURE.md).
 */
const MAX_TRANSACTION_WORK_MS = 100;

export interface SyncHooks {
  /** The server says this device was removed from the account: wipe it. */
  readonly onDeviceRemoved: () => Promise<void>;
}

export class SyncService {
  private stream: NotificationStream | undefined;
  private resync: Resync | undefined;
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
  async start(api: ApiClient, baseUrl: string, db: Db, receiving: Receiving): Promise<void> {
    await this.stop();
    const sink = this.receiver(db, receiving);
    this.stream = new NotificationStream({
      api,
      baseUrl,
      sink,
      log: this.log.child('stream'),
      onState: (state) => {
        this.setState(state);
        // Connected and caught up: make sure others can still add this device and reach it.
        if (state === 'online') {
          receiving.keys.refill().catch((error: unknown) => this.log.warn('refilling keys failed', { error }));
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
  receiver(db: Db, receiving: Receiving): NotificationSink {
    const resync = new Resync(receiving.groups, receiving.followUps.announcer, this.log.child('resync'));
    this.resync = resync;
    return {
      lastStoredId: () => readKv(db, 'profile', LAST_ID_KEY, LastIdSchema) ?? 0,
      // Applied under the group-state lock: no send may read group state in between.
      handle: (notifications) => receiving.groups.exclusive(() => this.apply(db, receiving, notifications)),
      // Slow sync (resync.ts): noted before what is left of the queue is stored, run once it is.
      resyncRequired: async () => markResyncDue(db),
      caughtUp: async (lastId) => {
        const cursor = (tx: Db): void => writeKv(tx, 'profile', LAST_ID_KEY, Math.max(lastId, readKv(tx, 'profile', LAST_ID_KEY, z.number().int().nonnegative()) ?? 0));
        await resync.run(cursor);
      },
      clientRemoved: async () => {
        await this.hooks.onDeviceRemoved();
      },
    };
  }

  async stop(): Promise<void> {
    this.resync?.stop();
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await stream.stop();
    this.setState('offline');
  }

  /**
   * Stores notifications that arrived together. A run of MLS messages shares a transaction (one
   * commit and fsync for up to MAX_TRANSACTION_WORK_MS of work, each group's state carried from
   * message to message in memory and written once); any other notification is stored alone,
   * because what it prepares may depend on what came before it being stored (a Welcome's
   * conversation, a member list).
   * Each transaction also moves the "last stored id" to its last notification, so a crash
   * between two of them loses nothing and stores nothing twice.
   */
  private async apply(db: Db, receiving: Receiving, notifications: readonly Notification[]): Promise<void> {
    const lastStored = readKv(db, 'profile', LAST_ID_KEY, LastIdSchema) ?? 0;
    let run: Notification[] = [];
    for (const notification of notifications) {
      if (notification.id <= lastStored) continue; // already stored before a crash or reconnect
      if (notification.event.type === 'conversation.mls-message-add') {
        run.push(notification);
        continue;
      }
      await this.storeRun(db, receiving, run);
      run = [];
      await this.storeRun(db, receiving, [notification]);
    }
    await this.storeRun(db, receiving, run);
  }

  /**
   * A run is committed whenever preparing it has taken MAX_TRANSACTION_WORK_MS, so a crash
   * costs little work to redo and the first messages of a long catch-up show up soon.
   */
  private async storeRun(db: Db, receiving: Receiving, run: readonly Notification[]): Promise<void> {
    for (let index = 0; index < run.length; ) {
      const received = new ReceivedGroups(receiving.groups.decodedGroups);
      const started = performance.now();
      const chunk: Notification[] = [];
      const effects: Effects[] = [];
      do {
        const notification = run[index];
        if (notification === undefined) break;
        chunk.push(notification);
        effects.push(await this.prepare(receiving, notification, received));
        index += 1;
      } while (performance.now() - started < MAX_TRANSACTION_WORK_MS);
      this.commit(db, receiving, chunk, effects, received);
    }
  }

  /** Writes what `notifications` prepared (`effects`, same order) and the new cursor in one transaction, then announces it. */
  private commit(db: Db, receiving: Receiving, notifications: readonly Notification[], effects: readonly Effects[], received: ReceivedGroups): void {
    const last = notifications.at(-1);
    if (last === undefined) return;
    let followUps: FollowUp[] = [];
    writeTransaction(db, (tx) => {
      followUps = applyEffects(tx, effects.flat(), receiving.apply);
      received.write(tx);
      writeKv(tx, 'profile', LAST_ID_KEY, last.id);
      // A call message that ends a call leaves its history line in this same transaction, so a
      // crash after the commit cannot lose the line while the message is gone from the queue.
      for (const followUp of followUps) if (followUp.kind === 'call-message') receiving.calls?.receivedInTransaction(tx, followUp);
    });
    this.events.coalescingChanges(() => runFollowUps(followUps, receiving.followUps));
  }

  /**
   * Decrypts and reads what a notification carries. A network failure or a busy server
   * (net/classifyFailure.ts) is thrown, so the stream reconnects and the notification comes again; anything else (a message this device can never
   * process) is logged and passed over, so one bad notification cannot stall the queue.
   */
  private async prepare(receiving: Receiving, notification: Notification, received: ReceivedGroups): Promise<Effects> {
    try {
      return await prepareNotification(receiving.context, notification, received);
    } catch (error) {
      if (isTransient(classifyFailure(error))) throw error;
      this.log.error('a notification could not be applied; passed over', { id: notification.id, type: notification.event.type, error });
      return [];
    }
  }

  private setState(state: ConnectionState['state']): void {
    if (state === this.state) return;
    this.state = state;
    this.events.emit('connection.state', { state, since: Date.now() });
  }
}
