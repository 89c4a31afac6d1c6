import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import websocket from '@fastify/websocket';
import type { FastifyBaseLogger } from 'fastify';
import Fastify from 'fastify';
import type { Result } from '../protocol/result';
import { err, ok } from '../protocol/result';
import type { LoginThrottleRules } from './auth/loginThrottle';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './auth/loginThrottle';
import type { HashPoolOptions } from './auth/hashPool';
import { defaultHashPoolOptions, HashPool } from './auth/hashPool';
import type { PasswordAlgorithm } from './auth/password';
import { hashPassword } from './auth/password';
import { AccessTokens } from './auth/tokens';
import type { ServerContext, ServerSettings } from './context';
import { installErrorHandling } from './http/errors';
import { sendFailure } from './http/failure';
import type { RateBucket, RateRule } from './http/rateLimit';
import { DEFAULT_RATE_RULES, RateLimiter } from './http/rateLimit';
import type { Mailer } from './mail/mailer';
import { OutboxMailer } from './mail/outboxMailer';
import type { SmtpOptions } from './mail/smtpMailer';
import { SmtpMailer } from './mail/smtpMailer';
import { runMaintenance } from './maintenance';
import { AckBuffer } from './notifications/acks';
import { limitConnections } from './ops/connectionLimit';
import type { FdLimit } from './ops/fdLimit';
import { describeFdLimit, FD_LIMIT_WARNING, readFdLimit } from './ops/fdLimit';
import { healthReport, registerHealthRoute } from './ops/health';
import { ServerMetrics } from './ops/metrics';
import type { OpsListener, OpsListenOptions } from './ops/opsListener';
import { startOpsListener } from './ops/opsListener';
import { NotificationHub } from './notifications/hub';
import { InstanceFanout } from './notifications/instances';
import { PolicyFile } from './policy/policyFile';
import { registerRoutes } from './routes';
import type { SfuSetup, Sfus } from './calls/sfus';
import { startSfus } from './calls/sfus';
import { bindStoredSignatureKeys } from './mls/signatureKeys';
import { DEFAULT_DATABASE_POOL, openStore } from './store/open';
import type { Durability } from './store/sqlite/database';
import { loadNextPins, loadTlsMaterial, TLS_CIPHERS } from './tls/certificate';
import { DEFAULT_MAX_ASSET_BYTES, ROUTES } from '../protocol';

export type ServerOptions = Readonly<{
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  domain?: string;
  tlsKeyFile?: string;
  tlsCertFile?: string;
  smtp?: SmtpOptions;
  maxAssetBytes?: number;
  turn?: Readonly<{ urls: readonly string[]; secret?: string }>;
  /** Janus SFUs for conference calls (server/calls/sfus.ts); default none. */
  sfu?: SfuSetup;
  callConfigTtlSeconds?: number;
  /** How new passwords are hashed; existing hashes of either kind keep working. */
  passwordAlgorithm?: PasswordAlgorithm;
  /** Password hashing threads and queue limits (default: one thread per core but one, 32 queued per thread). */
  hashPool?: Partial<HashPoolOptions>;
  /**
   * The operator's listener for `GET /metrics` and `GET /health` (plain HTTP, 127.0.0.1 unless
   * `host` says otherwise; port 0 picks one). Off when absent.
   */
  metrics?: OpsListenOptions;
  /** `full` (default) fsyncs every commit; `normal` survives process crashes but not power loss. SQLite only. */
  durability?: Durability;
  /**
   * A `postgres://` URL: the store lives in that PostgreSQL database instead of `dataDir/cairn.db`
   * (TLS keys, assets and the outbox stay in `dataDir`). Default: SQLite.
   */
  database?: string;
  /**
   * PostgreSQL connections of this process's pool (default 10, `DEFAULT_DATABASE_POOL`); one more
   * connection listens for the other instances. Each request holds one only while it queries.
   */
  databasePool?: number;
  /**
   * Addresses of load balancers whose `X-Forwarded-For` names the client (HAProxy re-encrypting,
   * deploy/haproxy/cairn.cfg). Sign-in limits count per client address, so without this every
   * user behind the balancer would share its one address. Default: none trusted.
   */
  trustProxy?: readonly string[];
  /** WebSocket ping interval (default 30 s). */
  heartbeatMs?: number;
  /** The administrator's policy file (default `dataDir/policy.json`; absent file = no policy). */
  policyFile?: string;
  /** Pins of the keys the server will present after a rotation, published at `GET /pins`. */
  nextPins?: readonly string[];
  rateRules?: Partial<Record<RateBucket, RateRule>>;
  loginThrottle?: Partial<LoginThrottleRules>;
  now?: () => number;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  logStream?: Writable;
  /**
   * Tests only (test/support/testServer.ts; main.ts never sets it): receives the server's context
   * so a security test can deliver what a route would refuse — a malicious member's commit that
   * must be refused by the other devices themselves (docs/SECURITY.md, item 1).
   */
  testSeam?: (context: ServerContext) => void;
}>;

export type RunningServer = Readonly<{
  url: string;
  pin: string;
  domain: string;
  /** The SFUs handed to clients; a local Janus stops with `close()`. */
  sfus: Sfus;
  /** The operator's listener (`/metrics`, `/health`), when `metrics` was given. */
  metricsUrl: string | undefined;
  /** Runs the periodic clean-up now (notification retention, expired assets). */
  maintenance(): Promise<void>;
  close(): Promise<void>;
}>;

/** JSON bodies are small: the largest is an MLS commit bundle (3 × 1 MiB as base64). */
const JSON_BODY_LIMIT = 4 * 1024 * 1024 + 64 * 1024;
const MAINTENANCE_INTERVAL_MS = 10 * 60 * 1000;
/** Generous enough for a 100 MB upload on a slow link; bounds slow-request attacks. */
const REQUEST_TIMEOUT_MS = 10 * 60 * 1000;
const ACK_FLUSH_MS = 1000;
/** Two years, the value the HSTS preload list asks for. */
const HSTS = 'max-age=63072000; includeSubDomains';

/** Runs `make` until it gives a value, then keeps that value; calls in flight share one attempt. */
function untilMade<T>(make: () => Promise<T | undefined>): () => Promise<T | undefined> {
  let made: T | undefined;
  let attempt: Promise<T | undefined> | undefined;
  return async () => {
    if (made !== undefined) return made;
    attempt ??= make().finally(() => (attempt = undefined));
    made = await attempt;
    return made;
  };
}

/**
 * Starts the reference backend over HTTPS. Opens (and migrates) the database in `dataDir` (or
 * the PostgreSQL database of `database`),
 * creates or reuses the TLS key, and answers once listening. A database from a newer server
 * version is refused with `database-too-new`.
 */
export async function startServer(options: ServerOptions): Promise<Result<RunningServer>> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  // Uploads cut off by a crash left partial files that no row points to. Only those older than
  // the longest request: another instance sharing the data folder may be receiving the rest.
  await removeStaleUploads(path.join(options.dataDir, 'assets', 'incoming'), Date.now() - REQUEST_TIMEOUT_MS);
  const opened = await openStore(
    options.database === undefined
      ? { kind: 'sqlite', durability: options.durability ?? 'full' }
      : { kind: 'postgres', url: options.database, poolSize: options.databasePool ?? DEFAULT_DATABASE_POOL },
    options.dataDir,
  );
  if (!opened.ok) return opened;
  const store = opened.value;
  await bindStoredSignatureKeys(store);
  const tls = await loadTlsMaterial(options.dataDir, { keyFile: options.tlsKeyFile, certFile: options.tlsCertFile }, [
    host,
    'localhost',
    '127.0.0.1',
  ]);
  const app = Fastify({
    // Seed 002 (Transport Encryption): TLS 1.2 and 1.3 only, the whitepaper's suites only, the
    // server's order preferred.
    https: { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: TLS_CIPHERS, honorCipherOrder: true },
    bodyLimit: JSON_BODY_LIMIT,
    requestIdHeader: false,
    requestTimeout: REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
    // Only the named balancers' X-Forwarded-For is read (proxy-addr walks it from the right).
    ...(options.trustProxy !== undefined && options.trustProxy.length > 0 ? { trustProxy: [...options.trustProxy] } : {}),
    // Malformed URLs and over-long path parameters get the same stable error body as the rest.
    frameworkErrors: (_error, _request, reply) => {
      sendFailure(reply, 'bad-request', 'The address of the request is malformed.');
    },
    logger: {
      level: options.logLevel ?? 'info',
      ...(options.logStream ? { stream: options.logStream } : {}),
      // Never log headers (tokens, cookies) or query strings (the WebSocket access token).
      serializers: {
        req: (request: { method?: string; url?: string }) => ({ method: request.method, path: request.url?.split('?')[0] }),
        res: (response: { statusCode?: number }) => ({ status: response.statusCode }),
      },
    },
  });
  app.log.info({ event: 'database', database: describeDatabase(options) }, 'database');
  const policy = await PolicyFile.open(options.policyFile ?? path.join(options.dataDir, 'policy.json'), app.log);
  if (!policy.ok) {
    await store.close();
    return policy;
  }
  const mailer: Mailer = options.smtp ? new SmtpMailer(options.smtp) : new OutboxMailer(path.join(options.dataDir, 'outbox'));
  const tokenKey = await store.secrets.getOrCreate('access-token-hmac', () => randomBytes(32));
  const turnSecret = options.turn?.secret ?? (await store.secrets.getOrCreate('turn-secret', () => randomBytes(32))).toString('base64');
  const settings: ServerSettings = {
    domain: options.domain ?? 'cairn.test',
    dataDir: options.dataDir,
    maxAssetBytes: options.maxAssetBytes ?? DEFAULT_MAX_ASSET_BYTES,
    // No TURN servers unless configured: a default URL nobody runs would only delay ICE.
    turn: { urls: options.turn?.urls ?? [], secret: turnSecret },
    callConfigTtlSeconds: options.callConfigTtlSeconds ?? 3600,
    passwordAlgorithm: options.passwordAlgorithm ?? 'scrypt',
    heartbeatMs: options.heartbeatMs ?? 30_000,
    pins: { current: tls.pin, next: await loadNextPins(options.dataDir, options.nextPins ?? [], tls.pin) },
  };
  const sfuStart = await startSfus(options.sfu ?? { kind: 'none' }, options.dataDir, async () => ({
    tokenSecret: (await store.secrets.getOrCreate('sfu-token-secret', () => randomBytes(32))).toString('base64'),
  }), tls);
  if (!sfuStart.ok) {
    await store.close();
    return sfuStart;
  }
  const sfus = sfuStart.value.sfus;
  if (sfuStart.value.warning !== undefined) app.log.warn(sfus.summary);
  else app.log.info(sfus.summary);
  const hashPool = new HashPool({ ...defaultHashPoolOptions(options.hashPool?.workers), ...options.hashPool });
  const fdLimit = await readFdLimit();
  const acks = new AckBuffer(store.notifications, ACK_FLUSH_MS, (error: unknown) => app.log.error({ err: String(error) }, 'writing acks failed'));
  const metrics: ServerMetrics | undefined = options.metrics
    ? new ServerMetrics({
        hashPool: () => hashPool.stats(),
        sockets: (): number => hub.socketCount(),
        pendingAcks: () => acks.pendingCount(),
        connections: () => new Promise((resolve) => app.server.getConnections((error, count) => resolve(error ? 0 : count))),
        fdLimit,
      })
    : undefined;
  const hub: NotificationHub = new NotificationHub(metrics ? (notifications, pushes, seconds) => metrics.fanout(notifications, pushes, seconds) : undefined);
  const context: ServerContext = {
    settings,
    sfus,
    store,
    mailer,
    tokens: new AccessTokens(tokenKey),
    hub,
    acks,
    limiter: new RateLimiter({ ...DEFAULT_RATE_RULES, ...options.rateRules }, store.rateWindows, now),
    loginThrottle: new LoginThrottle({ ...DEFAULT_LOGIN_THROTTLE, ...options.loginThrottle }, store.loginThrottle, now),
    hashPool,
    dummyPasswordHash: untilMade(async () => {
      const made = await hashPassword(hashPool, randomBytes(16).toString('hex'), settings.passwordAlgorithm);
      return made.kind === 'done' ? made.value : undefined;
    }),
    policy: policy.value,
    log: app.log,
    now,
  };
  // Several instances on one PostgreSQL: pushes, removals and sign-outs go through the database.
  const instances = store.instances === undefined ? undefined : new InstanceFanout(store.instances, hub, app.log);
  try {
    await instances?.start();
  } catch (error) {
    await sfus.close();
    await hashPool.close();
    await store.close();
    return err('database-unreachable', `The server could not listen for the other instances on the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  options.testSeam?.(context);
  installErrorHandling(app);
  // Seed 002: the server "communicates HTTP Strict Transport Security (HSTS) to all HTTPS-clients".
  // Set on the raw response before fastify sees the request, so every answer carries it: errors,
  // 404s and malformed addresses that never reach a route or hook included (RFC 6797 §7.1).
  app.server.prependListener('request', (_request: unknown, response: ServerResponse) => {
    response.setHeader('strict-transport-security', HSTS);
  });
  // JSON everywhere, raw bytes only for asset uploads: any other body type is a 415.
  app.removeContentTypeParser('text/plain');
  // Asset uploads stream the raw request to disk themselves; raw bytes anywhere else are a 415.
  app.addContentTypeParser('application/octet-stream', (request, _payload, done) => {
    if (request.routeOptions.url === ROUTES.uploadAsset.path && request.method === 'POST') done(null, undefined);
    else done(Object.assign(new Error('unsupported media type'), { statusCode: 415 }), undefined);
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  registerRoutes(app, context);
  registerHealthRoute(app, context);
  if (metrics) {
    app.addHook('onResponse', (request, reply, done) => {
      metrics.requestFinished(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  const maxConnections = limitConnections(app.server, fdLimit, app.log, (reason) => metrics?.connectionRefused(reason));
  logFdLimit(app.log, fdLimit, maxConnections);
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    await sfus.close();
    await store.close();
    await hashPool.close();
    return err('listen-failed', `The server could not listen on ${host}:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  let ops: OpsListener | undefined;
  if (options.metrics && metrics) {
    try {
      ops = await startOpsListener(options.metrics, metrics, () => healthReport(context, fdLimit));
    } catch (error) {
      await app.close();
      await sfus.close();
      await hashPool.close();
      await store.close();
      return err('listen-failed', `The metrics listener could not listen on ${options.metrics.host ?? '127.0.0.1'}:${options.metrics.port}: ${error instanceof Error ? error.message : String(error)}`);
    }
    app.log.info({ event: 'metrics-listening', url: ops.url }, 'metrics and health for operators');
  }
  context.acks.start();
  const maintenance = (): Promise<void> => runMaintenance(context);
  const timer = setInterval(() => {
    maintenance().catch((error: unknown) => app.log.error({ err: String(error) }, 'maintenance failed'));
  }, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  await maintenance();
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return ok({
    url: `https://${hostForUrl}:${port}`,
    pin: tls.pin,
    domain: settings.domain,
    sfus,
    metricsUrl: ops?.url,
    maintenance,
    close: async () => {
      clearInterval(timer);
      await ops?.close();
      await app.close();
      await sfus.close();
      await context.acks.stop();
      await mailer.close();
      await hashPool.close();
      await store.close();
    },
  });
}

/** Deletes partial uploads last written before `before` (ms since the epoch). */
async function removeStaleUploads(folder: string, before: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(folder, name);
    const info = await stat(file).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < before) await rm(file, { recursive: true, force: true });
  }
}

/** Which store the server uses, for the start log: never the PostgreSQL URL's user or password. */
function describeDatabase(options: ServerOptions): string {
  if (options.database === undefined) return `SQLite ${path.join(options.dataDir, 'cairn.db')}`;
  const url = new URL(options.database);
  return `PostgreSQL ${url.host}${url.pathname}`;
}

/**
 * Logs the open-file limit and the connection cap below it at start, and warns when the limit is
 * low: each online device holds a socket, and beyond the cap new connections are refused (logged
 * one by one by `limitConnections`).
 */
function logFdLimit(log: FastifyBaseLogger, limit: FdLimit | undefined, maxConnections: number | undefined): void {
  const fields = { event: 'fd-limit', soft: describeFdLimit(limit?.soft), hard: describeFdLimit(limit?.hard), maxConnections: maxConnections ?? null };
  if (limit !== undefined && limit.soft < FD_LIMIT_WARNING) {
    log.warn(
      fields,
      `The open-file limit is ${fields.soft}: the server refuses connections beyond ${fields.maxConnections ?? 'about that many'}. Raise it to at least ${FD_LIMIT_WARNING} (LimitNOFILE= in the systemd unit, or ulimit -n before start).`,
    );
  } else log.info(fields, 'open-file limit');
}
