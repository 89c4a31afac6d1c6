import { CODE_RULES, hashCode } from '../auth/codes';
import type { ServerContext } from '../context';
import type { Outcome } from '../http/outcome';
import { done, fail, refused } from '../http/outcome';

/**
 * Seed 002 2FA: a 6-digit e-mailed code for one action (login or adding a client), valid
 * 15 minutes, invalidated after the third wrong try. Without a code the caller learns that
 * one is needed (`code-authentication-required`) and asks for it with /verification-code/send.
 */
export async function checkSecondFactor(
  context: ServerContext,
  userId: string,
  action: 'login' | 'create-client',
  code: string | undefined,
): Promise<Outcome<undefined>> {
  if (code === undefined) return fail('code-authentication-required');
  const limited = refused(await context.limiter.attempt('verify-code', userId));
  if (limited) return limited;
  const check = await context.store.codes.consume(`2fa-${action}`, userId, hashCode(userId, code), context.now(), CODE_RULES.secondFactor.attempts);
  switch (check) {
    case 'ok':
      return done(undefined);
    case 'wrong':
      return fail('invalid-code');
    case 'exhausted':
      return fail('code-exhausted');
  }
}
