import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { RateCheck } from '../http/rateLimit';
import type { LoginThrottleRepository } from '../store/repositories';

/** How sign-in guessing is slowed; durations in milliseconds. */
export type LoginThrottleRules = Readonly<{
  /** Wrong passwords one address may try for one account before delays start. */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wrong passwords one address may send across all accounts per window. */
  addressBudget: number;
  addressWindowMs: number;
  /** A pair that has not failed for this long starts afresh. */
  forgetAfterMs: number;
}>;

/**
 * OWASP Authentication Cheat Sheet ("Protect against automated attacks"): per account and
 * address with a growing delay, plus a budget per address, so nobody can lock a user out.
 * After 5 free guesses a pair waits 1 s, 2 s, 4 s … up to 15 minutes: about 100 guesses a day
 * from one address. One address may fail 100 times an hour across accounts.
 */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleRules = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  addressBudget: 100,
  addressWindowMs: 3600_000,
  forgetAfterMs: 24 * 3600_000,
};

/**
 * The part of a client address that identifies one network: an IPv4 address as is (IPv4-mapped
 * IPv6 unwrapped), an IPv6 address by its /64 prefix, since one host usually holds a whole /64.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(address) || !isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Sign-in limits that are checked before any password hash is computed. Failures count per
 * (account, address) pair and per address; a success from a pair clears that pair only. So an
 * attacker hammering an account from one address slows only themselves: the owner signing in
 * from their own address is never delayed. The state is in the store (`login_pairs`,
 * `login_budgets`, keys as SHA-256), so several server instances on one database count together
 * (issue 18) and a restart does not hand out fresh attempts.
 */
export class LoginThrottle {
  constructor(
    private readonly rules: LoginThrottleRules,
    private readonly state: LoginThrottleRepository,
    private readonly now: () => number,
  ) {}

  /**
   * Whether `address` may try a password for `account` now. An allowed attempt is counted as a
   * failure at once, before the hash is checked, so parallel guesses cannot slip past the count
   * (the repository runs this read and write as one step); `succeeded` takes it back.
   */
  async begin(account: string, address: string): Promise<RateCheck> {
    const now = this.now();
    const network = addressKey(address);
    return this.state.update<RateCheck>(pairId(account, network), budgetId(network), (pair, budget) => {
      const budgetOpen = budget !== undefined && now - budget.startedAt < this.rules.addressWindowMs;
      if (budgetOpen && budget.failures >= this.rules.addressBudget) {
        return { result: { ok: false, retryAfterMs: budget.startedAt + this.rules.addressWindowMs - now }, change: {} };
      }
      const pairOpen = pair !== undefined && now - pair.lastFailure < this.rules.forgetAfterMs;
      if (pairOpen) {
        const wait = pair.lastFailure + this.delayAfter(pair.failures) - now;
        if (wait > 0) return { result: { ok: false, retryAfterMs: wait }, change: {} };
      }
      return {
        result: { ok: true },
        change: {
          pair: { failures: pairOpen ? pair.failures + 1 : 1, lastFailure: now },
          budget: budgetOpen ? { startedAt: budget.startedAt, failures: budget.failures + 1 } : { startedAt: now, failures: 1 },
        },
      };
    });
  }

  /** The password was right: the pair starts afresh and the attempt leaves the address's budget. */
  async succeeded(account: string, address: string): Promise<void> {
    const network = addressKey(address);
    await this.state.update(pairId(account, network), budgetId(network), (_pair, budget) => ({
      result: undefined,
      change: { pair: null, ...(budget !== undefined && budget.failures > 0 ? { budget: { startedAt: budget.startedAt, failures: budget.failures - 1 } } : {}) },
    }));
  }

  /**
   * The attempt was not checked at all (the server had no room to hash it): it leaves both the
   * pair's count and the address's budget, without clearing earlier failures as `succeeded` does.
   */
  async withdrawn(account: string, address: string): Promise<void> {
    const network = addressKey(address);
    await this.state.update(pairId(account, network), budgetId(network), (pair, budget) => ({
      result: undefined,
      change: {
        ...(pair === undefined ? {} : { pair: pair.failures > 1 ? { failures: pair.failures - 1, lastFailure: pair.lastFailure } : null }),
        ...(budget !== undefined && budget.failures > 0 ? { budget: { startedAt: budget.startedAt, failures: budget.failures - 1 } } : {}),
      },
    }));
  }

  /** Deletes pairs and budgets that no longer limit anything (maintenance). */
  async prune(): Promise<number> {
    const now = this.now();
    return this.state.prune(now - this.rules.forgetAfterMs, now - this.rules.addressWindowMs);
  }

  /** The wait after `failures` wrong passwords: none for the free ones, then doubling to the cap. */
  private delayAfter(failures: number): number {
    if (failures < this.rules.freeFailures) return 0;
    const doublings = Math.min(failures - this.rules.freeFailures, 30);
    return Math.min(this.rules.baseDelayMs * 2 ** doublings, this.rules.maxDelayMs);
  }
}

/** Stored names: SHA-256, so the tables hold neither e-mail addresses nor client addresses. */
function hashed(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function pairId(account: string, network: string): string {
  return hashed(pairKey(account, network));
}

function budgetId(network: string): string {
  return hashed(network);
}

function pairKey(account: string, network: string): string {
  return `${account.toLowerCase()}\u0000${network}`;
}
