/**
 * The server's call configuration (`GET /calls/config`: TURN servers with a generic credential)
 * for the renderer, which creates the `RTCPeerConnection`. Fetched over the account's pinned API
 * client like every other request, validated by the route's schema, kept for the `ttl` the
 * server gives (seed 002 "Call setup": the configuration "is frequently refreshed", "the refresh
 * interval (TTL) can be set on the backend"), and fetched again before a call once stale.
 */
import type { CallConfig } from '../../../protocol/api/calls';
import { CoreError } from '../ipc/errors';
import type { IceConfig } from '../ipc/contract';
import type { Logger } from '../log';
import type { ApiClient } from './apiClient';
import { ApiError } from './apiError';

/**
 * A call never starts on a credential that expires within the hour: coturn checks it again at
 * every allocation refresh (every few minutes), so an expired one would cut the relay mid-call.
 */
const CREDENTIAL_MARGIN_MS = 60 * 60 * 1000;

type Cached = Readonly<{ account: object; config: CallConfig; staleAt: number }>;

/**
 * `GET /calls/config` through the account's API client. An answer that fails the route's schema
 * (protocol/api/calls.ts) reaches the user as `calls-config-invalid`, saying what it means.
 */
export async function fetchCallConfig(api: ApiClient): Promise<CallConfig> {
  try {
    return await api.call('callConfig', {});
  } catch (error) {
    // The API client refuses an answer that fails the schema with a bare `server-bad-response`
    // (an `ApiError` instead is the server's own error answer, passed on as it is).
    if (error instanceof CoreError && !(error instanceof ApiError) && error.code === 'server-bad-response') {
      throw new CoreError('calls-config-invalid');
    }
    throw error;
  }
}

/** The last call configuration, kept until it is stale (`staleAt`) and only for the account that fetched it. */
export class CallConfigCache {
  private cached: Cached | undefined;
  private fetching: Readonly<{ account: object; promise: Promise<CallConfig> }> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The configuration for `account` (the signed-in account's API client): the kept one while
   * fresh, else what `fetch` brings (concurrent callers share one request). Another account, or
   * a new client after the app lock, never gets the kept one.
   */
  async current(account: object, fetch: () => Promise<CallConfig>): Promise<CallConfig> {
    const cached = this.cached;
    if (cached !== undefined && cached.account === account && this.now() < cached.staleAt) return cached.config;
    if (this.fetching === undefined || this.fetching.account !== account) {
      const promise = this.fetch(account, fetch).finally(() => {
        if (this.fetching?.promise === promise) this.fetching = undefined;
      });
      this.fetching = { account, promise };
    }
    return this.fetching.promise;
  }

  private async fetch(account: object, fetch: () => Promise<CallConfig>): Promise<CallConfig> {
    const fetchedAt = this.now();
    const config = await fetch();
    this.cached = { account, config, staleAt: staleAt(config, fetchedAt) };
    this.log.info('call configuration fetched', { ttl: config.ttl, iceServers: config.iceServers.length });
    return config;
  }
}

/**
 * When a configuration fetched at `fetchedAt` must be fetched again: after its `ttl`, or an hour
 * before the first of its coturn credentials expires (the username's `<unix expiry>:` prefix),
 * whichever comes first.
 */
export function staleAt(config: CallConfig, fetchedAt: number): number {
  let stale = fetchedAt + config.ttl * 1000;
  for (const server of config.iceServers) {
    const expiry = /^(\d{9,12}):/.exec(server.username)?.[1];
    if (expiry !== undefined) stale = Math.min(stale, Number(expiry) * 1000 - CREDENTIAL_MARGIN_MS);
  }
  return stale;
}

/**
 * What `calls.config` answers: the ICE servers for `new RTCPeerConnection(…)`, and relay-only ICE
 * when the user chose "Always relay calls", so the peer learns only the relay's address, never
 * the user's (seed 004: privacy-friendly choices for the user). With that choice but no TURN
 * server, a call could never connect: refused with a plain reason instead.
 */
export function iceConfigFor(config: CallConfig, alwaysRelay: boolean): IceConfig {
  const iceServers = config.iceServers.map((server) => ({ urls: [...server.urls], username: server.username, credential: server.credential }));
  if (alwaysRelay && !iceServers.some((server) => server.urls.some((url) => url.startsWith('turn')))) {
    throw new CoreError('calls-no-relay');
  }
  return { iceServers, iceTransportPolicy: alwaysRelay ? 'relay' : 'all' };
}
