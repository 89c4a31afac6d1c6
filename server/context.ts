import type { FastifyBaseLogger } from 'fastify';
import type { HashPool } from './auth/hashPool';
import type { PasswordAlgorithm } from './auth/password';
import type { AccessTokens } from './auth/tokens';
import type { LoginThrottle } from './auth/loginThrottle';
import type { RateLimiter } from './http/rateLimit';
import type { Mailer } from './mail/mailer';
import type { AckBuffer } from './notifications/acks';
import type { NotificationHub } from './notifications/hub';
import type { PolicyFile } from './policy/policyFile';
import type { Store } from './store/repositories';
import type { Sfus } from './calls/sfus';

export type TurnConfig = Readonly<{ urls: readonly string[]; secret: string }>;

/** Operator settings that routes read. Durations in milliseconds unless named otherwise. */
export type ServerSettings = Readonly<{
  domain: string;
  dataDir: string;
  maxAssetBytes: number;
  turn: TurnConfig;
  callConfigTtlSeconds: number;
  passwordAlgorithm: PasswordAlgorithm;
  /** WebSocket ping interval; a socket that misses one pong is closed. */
  heartbeatMs: number;
  /** The pin of the key presented now and of the keys to be presented next (`GET /pins`). */
  pins: Readonly<{ current: string; next: readonly string[] }>;
}>;

/** Everything a route handler may use; built once per server. */
export type ServerContext = Readonly<{
  settings: ServerSettings;
  /** Janus SFUs with `sftServers(now)` for `GET /calls/config` (server/calls/sfus.ts). */
  sfus: Sfus;
  store: Store;
  mailer: Mailer;
  tokens: AccessTokens;
  hub: NotificationHub;
  acks: AckBuffer;
  limiter: RateLimiter;
  /** Sign-in limits per account and address, checked before any password hash. */
  loginThrottle: LoginThrottle;
  /** Password hashing threads with a bounded queue (`auth/hashPool.ts`). */
  hashPool: HashPool;
  /**
   * A hash of the configured algorithm to check unknown accounts against, so timing is the same;
   * `undefined` while the hashing threads had no room to make it (made on first use).
   */
  dummyPasswordHash: () => Promise<string | undefined>;
  /** The administrator's policy (`DIR/policy.json`), read again when the file changes. */
  policy: PolicyFile;
  log: FastifyBaseLogger;
  /** Injectable clock so tests can move time (expiry, retention) without sleeping. */
  now: () => number;
}>;
