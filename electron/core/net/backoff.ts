/**
 * Retry timing for server requests: exponential backoff with full jitter (spreads reconnect
 * storms after an outage), and the server's `Retry-After` respected when it gives one.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 8_000, maxAttempts: 4 };

/** Delay before retry number `attempt` (1 = first retry): uniform in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** The longest `Retry-After` the client sits out before trying again. */
const MAX_RETRY_WAIT_MS = 60_000;

function uncappedRetryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds, capped at 60 s. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  const ms = uncappedRetryAfterMs(header, now);
  return ms === undefined ? undefined : Math.min(MAX_RETRY_WAIT_MS, ms);
}

/**
 * Whether the server asks for a longer wait than the client sits out (e.g. the hourly budget of
 * e-mail lookups, server/http/rateLimit.ts). Then the refusal is returned at once: sleeping a
 * minute and retrying would only be refused again, after the user (and the IPC call) gave up.
 */
export function waitsTooLong(header: string | undefined, now = Date.now()): boolean {
  const ms = uncappedRetryAfterMs(header, now);
  return ms !== undefined && ms > MAX_RETRY_WAIT_MS;
}

/** Statuses worth retrying: the server was unreachable, overloaded or rate-limiting us. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}
