import type { ServerContext } from '../context';
import type { Outcome } from '../http/outcome';
import { done, fail, refused } from '../http/outcome';
import { verifyPassword } from './password';

/**
 * Checks a password under the sign-in throttle: the limits are enforced before the hash is
 * computed (a refused guess costs the server nothing), and an unknown account is checked
 * against a dummy hash of the configured algorithm so that timing does not reveal whether it
 * exists. `account` is the e-mail address the guess was for, `address` the client's IP address.
 */
export async function checkPassword(
  context: ServerContext,
  account: string,
  address: string,
  password: string,
  storedHash: string | undefined,
): Promise<Outcome<undefined>> {
  const limited = refused(context.loginThrottle.begin(account, address));
  if (limited) return limited;
  const valid = await verifyPassword(password, storedHash ?? (await context.dummyPasswordHash()));
  if (storedHash === undefined || !valid) return fail('invalid-credentials');
  context.loginThrottle.succeeded(account, address);
  return done(undefined);
}
