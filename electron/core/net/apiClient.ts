/**
 * Typed client for the backend's HTTP API, driven by the route table in `protocol/api/routes.ts`:
 * request parts are checked with the route's schemas before sending and answers parsed with
 * its response schema. Every connection is pinned (see pinnedAgent.ts). Access tokens are
 * refreshed from the user cookie when they are about to expire or the server says they have.
 */
import type { z } from 'zod';
import { ApiErrorBodySchema } from '../../../protocol/errors';
import { ROUTES } from '../../../protocol/api/routes';
import type { RouteName } from '../../../protocol/api/routes';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import { ApiError } from './apiError';
import type { BackoffPolicy } from './backoff';
import { backoffDelay, DEFAULT_BACKOFF, isRetryableStatus, retryAfterMs, waitsTooLong } from './backoff';
import type { RawResponse } from './httpRequest';
import { sendRequest } from './httpRequest';
import { PinnedAgent } from './pinnedAgent';
import type { Session } from './session';

type Spec<R extends RouteName> = (typeof ROUTES)[R];
type Slot<R extends RouteName, K extends 'params' | 'query' | 'body'> =
  Spec<R> extends Record<K, infer S extends z.ZodType> ? { readonly [P in K]: z.input<S> } : { readonly [P in K]?: never };

export type RouteInput<R extends RouteName> = Slot<R, 'params'> & Slot<R, 'query'> & Slot<R, 'body'>;
export type RouteOutput<R extends RouteName> = Spec<R> extends { response: infer S extends z.ZodType } ? z.output<S> : Buffer;

type LooseInput = Readonly<{ params?: unknown; query?: unknown; body?: unknown }>;

export interface CallOptions {
  /** Retry on network errors and 429/5xx even for a non-GET (the request must be idempotent). */
  readonly idempotent?: boolean;
  readonly timeoutMs?: number;
}

export interface ApiClientOptions {
  readonly baseUrl: string;
  readonly pins: readonly string[];
  readonly session: Session;
  readonly log: Logger;
  readonly backoff?: BackoffPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
}

const MAX_JSON_RESPONSE = 8 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

export class ApiClient {
  readonly agent: PinnedAgent;
  private refreshing: Promise<string> | undefined;
  private readonly backoff: BackoffPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ApiClientOptions) {
    this.agent = new PinnedAgent({ pins: options.pins });
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get session(): Session {
    return this.options.session;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async call<R extends RouteName>(route: R, input: RouteInput<R>, callOptions: CallOptions = {}): Promise<RouteOutput<R>> {
    const spec: Spec<R> = ROUTES[route];
    const parts: LooseInput = input;
    const url = this.buildUrl(spec, parts);
    const body = 'body' in spec ? Buffer.from(JSON.stringify(parseSlot(route, 'body', spec.body, parts.body))) : undefined;
    const retryable = spec.method === 'GET' || callOptions.idempotent === true;

    for (let attempt = 1; ; attempt++) {
      let response: RawResponse;
      try {
        response = await this.send(spec, url, body, callOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      } catch (error) {
        const code = error instanceof CoreError ? error.code : 'network-unreachable';
        if (code === 'network-unreachable' && retryable && attempt < this.backoff.maxAttempts) {
          await this.sleep(backoffDelay(attempt, this.backoff));
          continue;
        }
        throw error;
      }
      if (response.status === 401 && (spec.auth === 'user' || spec.auth === 'client') && attempt === 1) {
        // The token expired between our check and the server's: refresh once and repeat.
        this.session.dropToken();
        continue;
      }
      const retryAfter = response.headers['retry-after'];
      const wait = typeof retryAfter === 'string' ? retryAfter : undefined;
      if (isRetryableStatus(response.status) && retryable && attempt < this.backoff.maxAttempts && !waitsTooLong(wait)) {
        await this.sleep(retryAfterMs(wait) ?? backoffDelay(attempt, this.backoff));
        continue;
      }
      this.session.applySetCookie(response.headers['set-cookie']);
      return this.interpret(route, spec, response);
    }
  }

  /** A valid access token, refreshing it from the user cookie first when needed (one refresh at a time). */
  async accessToken(): Promise<string> {
    const valid = this.session.validToken();
    if (valid) return valid;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  close(): void {
    this.agent.destroy();
  }

  private async refresh(): Promise<string> {
    if (!this.session.userCookie) throw new ApiError('unauthorized', 'You are signed out. Sign in again.', 401);
    const clientId = this.session.clientId;
    const access = await this.call('refresh', { query: clientId ? { client_id: clientId } : {} });
    this.session.setToken(access.accessToken, access.expiresIn);
    return access.accessToken;
  }

  private async send(spec: Spec<RouteName>, url: URL, body: Buffer | undefined, timeoutMs: number): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (spec.auth === 'cookie') {
      const cookie = this.session.userCookie;
      if (!cookie) throw new ApiError('unauthorized', 'You are signed out. Sign in again.', 401);
      headers.cookie = `zuid=${cookie}`;
    } else if (spec.auth === 'user' || spec.auth === 'client') {
      headers.authorization = `Bearer ${await this.accessToken()}`;
    }
    return sendRequest(this.agent, { method: spec.method, url, headers, body, timeoutMs, maxResponseBytes: MAX_JSON_RESPONSE });
  }

  private buildUrl(spec: Spec<RouteName>, input: LooseInput): URL {
    const params = 'params' in spec ? parseSlot(spec.path, 'params', spec.params, input.params) : {};
    const path = spec.path.replace(/:(\w+)/g, (_match, name: string) => {
      const value = isRecord(params) ? params[name] : undefined;
      if (typeof value !== 'string' || value === '') throw new CoreError('internal', `missing path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const url = new URL(path, this.options.baseUrl);
    if ('query' in spec) {
      const query = parseSlot(spec.path, 'query', spec.query, input.query ?? {});
      if (isRecord(query)) {
        for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
      }
    }
    return url;
  }

  private interpret<R extends RouteName>(route: R, spec: Spec<R>, response: RawResponse): RouteOutput<R> {
    if (response.status >= 200 && response.status < 300) {
      if (!('response' in spec)) return response.body as RouteOutput<R>;
      const parsed = spec.response.safeParse(parseJson(response.body));
      if (!parsed.success) {
        this.options.log.warn('server answer failed its schema', { route, status: response.status });
        throw new CoreError('server-bad-response');
      }
      return parsed.data as RouteOutput<R>;
    }
    const error = ApiErrorBodySchema.safeParse(parseJson(response.body));
    if (!error.success) throw new ApiError('server-bad-response', `The server answered with status ${response.status}.`, response.status);
    throw new ApiError(error.data.code, error.data.message, response.status, error.data.epoch);
  }
}

function parseSlot(where: string, slot: string, schema: z.ZodType, value: unknown): unknown {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new CoreError('ipc-invalid-request', `Invalid ${slot} for ${where}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
