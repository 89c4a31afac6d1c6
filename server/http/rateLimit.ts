import { createHash } from 'node:crypto';
import type { RateWindowRepository } from '../store/repositories';

/** Limits per bucket: at most `limit` events per `windowMs` for one key. */
export type RateRule = Readonly<{ limit: number; windowMs: number }>;

export type RateBucket = 'login' | 'send-code' | 'verify-code' | 'key-claim' | 'key-claim-target' | 'password-reset' | 'search-email' | 'chat-request' | 'chat-request-target';

/** Whether an event may go ahead; when not, how long until the key's window ends (for `Retry-After`). */
export type RateCheck = Readonly<{ ok: true }> | Readonly<{ ok: false; retryAfterMs: number }>;

/**
 * Defaults: guessing passwords and codes, and draining key packages, must be slow. A client
 * claims one user's key packages per add, so 300 per minute leaves room for big groups; one
 * claimer may take the same user's packages 20 times in 10 minutes (20 groups created with them),
 * so nobody can drain a user's 100 packages (seed 002: refilled below 50) faster than the user's
 * devices refill them. `login` bounds the password checks of signed-in actions (change password,
 * add a device); sign-in itself has its own throttle (`auth/loginThrottle.ts`).
 */
export const DEFAULT_RATE_RULES: Readonly<Record<RateBucket, RateRule>> = {
  login: { limit: 10, windowMs: 60_000 },
  'send-code': { limit: 5, windowMs: 3600_000 },
  'verify-code': { limit: 20, windowMs: 3600_000 },
  'key-claim': { limit: 300, windowMs: 60_000 },
  'key-claim-target': { limit: 20, windowMs: 600_000 },
  'password-reset': { limit: 5, windowMs: 3600_000 },
  'search-email': { limit: 30, windowMs: 3600_000 },
  /**
   * Chat requests by e-mail: 20 an hour per requester, and 5 an hour to one address from
   * everyone together, so an address's owner gets at most 5 request mails an hour however many
   * accounts ask. Both count every request alike, address with an account or not.
   */
  'chat-request': { limit: 20, windowMs: 3600_000 },
  'chat-request-target': { limit: 5, windowMs: 3600_000 },
};

/**
 * The stored name of a key's window: the bucket and a SHA-256 of the key, so the table holds no
 * e-mail addresses (keys are addresses, user ids and pairs of them) and no byte PostgreSQL's
 * text refuses.
 */
function windowId(bucket: RateBucket, key: string): string {
  return `${bucket}:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * Fixed-window counters kept in the store (`rate_windows`), so that every server instance on one
 * PostgreSQL counts into the same windows (issue 18) and a restart does not reset them. One
 * atomic UPSERT per event decides; the answer is computed from the count it returns.
 */
export class RateLimiter {
  constructor(
    private readonly rules: Readonly<Record<RateBucket, RateRule>>,
    private readonly windows: RateWindowRepository,
    private readonly now: () => number,
  ) {}

  /** Counts one event; refused when the key has used up its window. */
  async attempt(bucket: RateBucket, key: string): Promise<RateCheck> {
    const rule = this.rules[bucket];
    const now = this.now();
    const window = await this.windows.hit(windowId(bucket, key), now, rule.windowMs);
    return window.count <= rule.limit ? { ok: true } : { ok: false, retryAfterMs: Math.max(1, window.startedAt + rule.windowMs - now) };
  }

  /** Deletes windows that have run out (maintenance). */
  async prune(): Promise<number> {
    const longest = Math.max(...Object.values(this.rules).map((rule) => rule.windowMs));
    return this.windows.prune(this.now() - longest);
  }
}
