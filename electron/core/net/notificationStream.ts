/**
 * The device's live connection to its notification queue: a pinned WebSocket to `/await`
 * that first replays everything after the last notification this device stored, then pushes
 * new ones. Notifications are handed to the sink in arrival order — everything that arrived while
 * the sink was busy goes over at once (up to MAX_BATCH), so a catch-up is stored in few
 * transactions — and the sink must store them durably before it resolves; only then are they
 * acknowledged. A crash at any point therefore loses nothing (the server replays what was not
 * acknowledged) and duplicates nothing (the sink skips ids it has).
 *
 * The stream reconnects by itself with jittered backoff, and notices a dead connection by a
 * ping that gets no pong.
 */
import WebSocket from 'ws';
import type { Notification } from '../../../protocol/api/notifications';
import { ServerFrameSchema } from '../../../protocol/api/notifications';
import type { ConnectionState } from '../ipc/contract';
import type { Logger } from '../log';
import type { ApiClient } from './apiClient';
import { ApiError } from './apiError';
import { backoffDelay } from './backoff';
import type { BackoffPolicy } from './backoff';
import { PinMismatchError } from './pinnedAgent';

export interface NotificationSink {
  /** Id of the newest notification already stored durably (0 when none). */
  lastStoredId(): number;
  /**
   * Stores notifications durably, in the order given; ids increase, and may repeat ones already
   * stored after a reconnect. The stream then acknowledges the last of them.
   */
  handle(notifications: readonly Notification[]): Promise<void>;
  /**
   * The server dropped notifications this device never fetched (4-week retention): fetch full
   * state. Called before the notifications that were left are handed over.
   */
  resyncRequired(): Promise<void>;
  /**
   * Everything the server had for this device has been handed over (`lastId`: see the
   * `caught-up` frame); runs before the stream says it is online and before newer notifications.
   */
  caughtUp?(lastId: number): Promise<void>;
  /** This device was removed from the account. */
  clientRemoved(): Promise<void>;
}

export interface NotificationStreamOptions {
  readonly api: ApiClient;
  readonly baseUrl: string;
  readonly sink: NotificationSink;
  readonly log: Logger;
  readonly onState: (state: ConnectionState['state']) => void;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
}

const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, maxAttempts: Number.POSITIVE_INFINITY };
/**
 * Most notifications handed to the sink at once: enough to spread a transaction's commit over
 * many messages, few enough that the UI hears of the first ones soon and a send waiting for the
 * conversations' lock is not held up for long.
 */
export const MAX_BATCH = 100;

export class NotificationStream {
  private socket: WebSocket | undefined;
  private stopped = true;
  private attempt = 0;
  private chain: Promise<void> = Promise.resolve();
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Notifications received on the current socket and not yet handed to the sink. */
  private pending: Notification[] = [];
  /** Sockets whose sink work failed: nothing more they carried may be stored (it would skip the failed ones). */
  private readonly failedSockets = new WeakSet<WebSocket>();

  constructor(private readonly options: NotificationStreamOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  /** Closes the connection; resolves once the notification being stored (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.clearTimers();
    this.socket?.terminate();
    this.socket = undefined;
    await this.chain;
    this.options.onState('offline');
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.options.onState('connecting');
    let token: string;
    try {
      token = await this.options.api.accessToken();
    } catch (error) {
      this.failed(error);
      return;
    }
    if (this.stopped) return;
    const url = new URL('/await', this.options.baseUrl);
    url.protocol = 'wss:';
    url.searchParams.set('since', String(this.options.sink.lastStoredId()));
    const socket = new WebSocket(url, {
      agent: this.options.api.agent,
      headers: { authorization: `Bearer ${token}` },
      maxPayload: 8 * 1024 * 1024,
      handshakeTimeout: 15_000,
    });
    this.socket = socket;
    this.pending = [];
    socket.on('open', () => {
      this.startPinging(socket);
      // Connected: what waited at the server is replayed and stored now; `online` follows caught-up.
      if (socket === this.socket) this.options.onState('catching-up');
    });
    socket.on('message', (data, isBinary) => this.onFrame(socket, data, isBinary));
    socket.on('pong', () => clearTimeout(this.pongTimer));
    socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      socket.terminate();
      // An expired token gets a fresh one on the next attempt; anything else backs off.
      if (status === 401) this.options.api.session.dropToken();
    });
    socket.on('error', (error) => {
      if (error instanceof PinMismatchError) this.options.onState('pin-mismatch');
      this.options.log.warn('notification socket error', { error });
    });
    socket.on('close', () => {
      if (this.socket === socket) this.scheduleReconnect();
    });
  }

  private onFrame(socket: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    const frame = isBinary ? undefined : ServerFrameSchema.safeParse(parseJson(data));
    if (!frame?.success) {
      this.options.log.warn('dropped a malformed frame from the server');
      return;
    }
    const value = frame.data;
    switch (value.type) {
      case 'notification':
        if (socket !== this.socket) return;
        this.pending.push(value.notification);
        // Each notification queues a turn; a turn takes everything pending, so later turns often
        // find nothing left. Whatever arrived before a `caught-up` is stored before it runs.
        this.enqueue(async () => {
          const batch = this.pending.splice(0, MAX_BATCH);
          const last = batch.at(-1);
          if (last === undefined) return;
          await this.options.sink.handle(batch);
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'ack', upTo: last.id }));
        }, socket);
        return;
      case 'caught-up':
        this.enqueue(async () => {
          await this.options.sink.caughtUp?.(value.lastId);
          this.attempt = 0;
          this.options.onState('online');
        }, socket);
        return;
      case 'resync-required':
        this.enqueue(() => this.options.sink.resyncRequired(), socket);
        return;
      case 'client-removed': {
        // Runs after what is queued, but outside the queue: the sink's reaction (a wipe)
        // stops this stream, and stop() waits for the queue.
        this.stopped = true;
        const queued = this.chain;
        void queued.then(() =>
          this.options.sink.clientRemoved().catch((error: unknown) => this.options.log.error('reacting to the removal failed', { error })),
        );
        return;
      }
      case 'pong':
        return;
    }
  }

  /** Runs sink work strictly in arrival order; a failure drops the connection so the server replays. */
  private enqueue(work: () => Promise<void>, socket: WebSocket): void {
    this.chain = this.chain.then(async () => {
      if (this.socket !== socket || this.failedSockets.has(socket)) return;
      try {
        await work();
      } catch (error) {
        this.options.log.error('storing a notification failed; reconnecting to get it again', { error });
        this.failedSockets.add(socket);
        socket.terminate();
      }
    });
  }

  private startPinging(socket: WebSocket): void {
    const interval = this.options.pingIntervalMs ?? 30_000;
    this.pingTimer = setInterval(() => {
      socket.ping();
      this.pongTimer = setTimeout(() => {
        this.options.log.warn('no pong from the server; reconnecting');
        socket.terminate();
      }, this.options.pongTimeoutMs ?? 10_000);
    }, interval);
  }

  private failed(error: unknown): void {
    if (error instanceof PinMismatchError) this.options.onState('pin-mismatch');
    if (error instanceof ApiError && error.status === 401) {
      this.options.log.warn('signed out by the server; the notification stream stops');
      this.stopped = true;
      this.options.onState('offline');
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.clearTimers();
    this.socket = undefined;
    if (this.stopped) return;
    this.attempt += 1;
    // The first retry is a blip; after that the user should know they are offline.
    this.options.onState(this.attempt > 1 ? 'offline' : 'connecting');
    const delay = backoffDelay(this.attempt, this.options.backoff ?? RECONNECT_BACKOFF);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private clearTimers(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}

function parseJson(data: WebSocket.RawData): unknown {
  try {
    return JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data.toString()).toString('utf8'));
  } catch {
    return undefined;
  }
}
