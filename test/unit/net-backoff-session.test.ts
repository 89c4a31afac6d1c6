import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableStatus, retryAfterMs, waitsTooLong } from '../../electron/core/net/backoff';
import { Session } from '../../electron/core/net/session';

describe('backoff', () => {
  it('grows exponentially up to the cap and jitters below the ceiling', () => {
    const policy = { baseMs: 100, capMs: 1000, maxAttempts: 5 };
    expect(backoffDelay(1, policy, () => 0.999)).toBe(199);
    expect(backoffDelay(2, policy, () => 0.999)).toBe(399);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it('reads Retry-After in seconds or as a date, capped at a minute', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('3600')).toBe(60_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('gives up at once when the server asks for a longer wait than a minute', () => {
    expect(waitsTooLong('3600')).toBe(true);
    expect(waitsTooLong('60')).toBe(false);
    expect(waitsTooLong('2')).toBe(false);
    expect(waitsTooLong(new Date(200_000).toUTCString(), 5_000)).toBe(true);
    expect(waitsTooLong('soon')).toBe(false);
    expect(waitsTooLong(undefined)).toBe(false);
  });

  it('retries only on overload and rate limiting, never on client errors', () => {
    expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 500].some(isRetryableStatus)).toBe(false);
  });
});

describe('session', () => {
  it('takes the zuid cookie from Set-Cookie and reports every change', () => {
    const seen: Array<string | undefined> = [];
    const session = new Session(undefined, (cookie) => seen.push(cookie));
    session.applySetCookie(['other=1; Path=/', 'zuid=abc.def; Path=/access; Secure; HttpOnly']);
    expect(session.userCookie).toBe('abc.def');
    session.applySetCookie('zuid=; Path=/access; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(session.userCookie).toBeUndefined();
    expect(seen).toEqual(['abc.def', undefined]);
  });

  it('treats a token as expired shortly before it really expires', () => {
    let now = 0;
    const session = new Session('c', undefined, () => now);
    session.setToken('t', 900);
    expect(session.validToken()).toBe('t');
    now = 900_000 - 29_000;
    expect(session.validToken()).toBeUndefined();
  });
});
