import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HashPoolStats } from '../auth/hashPool';
import type { FdLimit } from './fdLimit';

/** What the metrics read from the running server when scraped. */
export type MetricSources = Readonly<{
  hashPool: () => HashPoolStats;
  /** Open WebSockets of devices. */
  sockets: () => number;
  /** Acknowledgements waiting to be written (the ack buffer). */
  pendingAcks: () => number;
  /** Open TCP connections of the public listener. */
  connections: () => Promise<number>;
  fdLimit: FdLimit | undefined;
}>;

/** Latency buckets in seconds: from a cached read (1 ms) to a slow commit or a hash wait (10 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's Prometheus metrics, one registry per server (tests run several in one process).
 * Names follow the Prometheus naming guide: a `cairn_` prefix, base units, `_total` counters.
 * Plus prom-client's process metrics (`process_open_fds`, `process_max_fds`, event loop lag, heap).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'route' | 'method' | 'status'>;
  private readonly fanoutSeconds: Histogram;
  private readonly notifications: Counter;
  private readonly pushes: Counter;
  private readonly refusedConnections: Counter<'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'cairn_http_request_duration_seconds',
      help: 'Time from request to response, by route pattern, method and status class.',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.fanoutSeconds = new Histogram({
      name: 'cairn_fanout_duration_seconds',
      help: 'Time to push one batch of stored notifications to the online sockets of its targets.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.notifications = new Counter({ name: 'cairn_notifications_total', help: 'Notifications stored and fanned out (messages, commits, events); rate() gives messages per second.', registers });
    this.pushes = new Counter({ name: 'cairn_pushes_total', help: 'Notification frames written to device sockets.', registers });
    this.refusedConnections = new Counter({
      name: 'cairn_connections_refused_total',
      help: 'Connections refused: "fd-limit" beyond the cap kept below the open-file limit, else the accept error code.',
      labelNames: ['reason'],
      registers,
    });
    const gauge = (name: string, help: string, read: () => number | Promise<number>): void => {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    };
    gauge('cairn_websockets', 'Open device WebSockets.', sources.sockets);
    gauge('cairn_connections', 'Open TCP connections to the public listener.', sources.connections);
    gauge('cairn_ack_queue', 'Acknowledgements waiting to be written.', sources.pendingAcks);
    gauge('cairn_hash_workers', 'Password hashing threads.', () => sources.hashPool().workers);
    gauge('cairn_hash_running', 'Password hashes being computed now.', () => sources.hashPool().running);
    gauge('cairn_hash_queue', 'Password hashes waiting for a thread.', () => sources.hashPool().queued);
    const counter = (name: string, help: string, read: () => number): void => {
      let counted = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const now = read();
          if (now > counted) this.inc(now - counted);
          counted = now;
        },
      });
    };
    counter('cairn_hash_jobs_total', 'Password hashes computed.', () => sources.hashPool().completed);
    counter('cairn_hash_refused_total', 'Password hashes refused at once because the queue or an address share was full (503 or 429).', () => sources.hashPool().refused);
    if (sources.fdLimit !== undefined) {
      const { soft, hard } = sources.fdLimit;
      gauge('cairn_fd_limit_soft', 'Soft open-file limit read at start (+Inf when unlimited).', () => soft);
      gauge('cairn_fd_limit_hard', 'Hard open-file limit read at start (+Inf when unlimited).', () => hard);
    }
  }

  /** One answered request; `route` is the route pattern (never the URL: no ids, no query strings). */
  requestFinished(route: string, method: string, status: number, seconds: number): void {
    this.requests.observe({ route, method, status: `${Math.floor(status / 100)}xx` }, seconds);
  }

  fanout(notifications: number, pushes: number, seconds: number): void {
    this.notifications.inc(notifications);
    this.pushes.inc(pushes);
    this.fanoutSeconds.observe(seconds);
  }

  connectionRefused(reason: string): void {
    this.refusedConnections.inc({ reason });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
