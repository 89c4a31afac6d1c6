import type { ServerContext } from '../context';
import type { Outcome } from '../http/outcome';
import { done, fail, rateLimited, refused } from '../http/outcome';
import type { HashOutcome } from './hashPool';
import { hashPassword, verifyPassword } from './password';

/**
 * The answer when the hashing threads cannot take a job: a whole server that is busy is a 503
 * `server-busy`, one address holding its share of the queue is a 429 `rate-limited`; both carry
 * `Retry-After` (RFC 9110 §15.6.4, RFC 6585 §4).
 */
export function hashRefusal<T = never>(outcome: Exclude<HashOutcome<unknown>, { kind: 'done' }>): Outcome<T> {
  switch (outcome.kind) {
    case 'busy':
      return fail('server-busy', undefined, { retryAfterMs: outcome.retryAfterMs });
    case 'address-busy':
      return rateLimited(outcome.retryAfterMs);
  }
}

/** Hashes a new password with the configured algorithm on the hashing threads, or the refusal to answer. */
export async function hashNewPassword(context: ServerContext, password: string, address: string): Promise<Outcome<string>> {
  const hashed = await hashPassword(context.hashPool, password, context.settings.passwordAlgorithm, address);
  return hashed.kind === 'done' ? done(hashed.value) : hashRefusal(hashed);
}

/**
 * Checks a password under the sign-in throttle: the limits are enforced before the hash is
 * computed (a refused guess costs the server nothing), and an unknown account is checked
 * against a dummy hash of the configured algorithm so that timing does not reveal whether it
 * exists. `account` is the e-mail address the guess was for, `address` the client's IP address.
 * A guess the hashing threads had no room for is not counted against the pair.
 */
export async function checkPassword(
  context: ServerContext,
  account: string,
  address: string,
  password: string,
  storedHash: string | undefined,
): Promise<Outcome<undefined>> {
  const limited = refused(await context.loginThrottle.begin(account, address));
  if (limited) return limited;
  const against = storedHash ?? (await context.dummyPasswordHash());
  const valid = against === undefined ? undefined : await verifyPassword(context.hashPool, password, against, address);
  if (valid === undefined || valid.kind !== 'done') {
    await context.loginThrottle.withdrawn(account, address);
    return hashRefusal(valid ?? { kind: 'busy', retryAfterMs: 1000 });
  }
  if (storedHash === undefined || !valid.value) return fail('invalid-credentials');
  await context.loginThrottle.succeeded(account, address);
  return done(undefined);
}
