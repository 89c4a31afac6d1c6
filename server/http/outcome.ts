import type { ApiErrorCode } from '../../protocol';
import type { RateCheck } from './rateLimit';

/** What a failure carries besides its code: the current epoch for stale commits, the wait for a 429. */
export type FailureExtra = Readonly<{ epoch?: number; retryAfterMs?: number }>;

/** A handler's answer as a value: the response body, or an API error code. */
export type Outcome<T> =
  | Readonly<{ ok: true; value: T }>
  | Readonly<{ ok: false; error: Readonly<{ code: ApiErrorCode; message?: string } & FailureExtra> }>;

export function done<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ApiErrorCode, message?: string, extra?: FailureExtra): Outcome<T> {
  return { ok: false, error: { code, ...(message === undefined ? {} : { message }), ...extra } };
}

/** A plain 429 `rate-limited` whose `Retry-After` says when the limit lifts. */
export function rateLimited<T = never>(retryAfterMs: number): Outcome<T> {
  return fail('rate-limited', undefined, { retryAfterMs });
}

/** `undefined` when the check passed, else the 429 to return: `const limited = refused(…); if (limited) return limited;`. */
export function refused<T = never>(check: RateCheck): Outcome<T> | undefined {
  return check.ok ? undefined : rateLimited(check.retryAfterMs);
}
