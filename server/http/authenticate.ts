import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context';
import { userTokenId } from '../auth/tokens';
import { readCookie } from './cookies';
import type { ClientAuth, CookieAuth, UserAuth } from './defineRoute';
import type { Outcome } from './outcome';
import { done, fail } from './outcome';

/** The bearer token of a request: `Authorization: Bearer …`, or `access_token` for WebSocket upgrades. */
export function bearerToken(request: FastifyRequest, allowQuery: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_\-.]{1,4096})$/.exec(header);
    return match?.[1];
  }
  if (allowQuery && typeof request.query === 'object' && request.query !== null && 'access_token' in request.query) {
    const value = request.query.access_token;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * Checks the access token. Client-bound routes also check that the client still exists, so a
 * removed device loses access at once rather than when its token expires; every route checks
 * that the token's session (its cookie's connection id) still has a cookie, so signing out,
 * a password change or reset ends the session's access tokens at once too.
 */
export async function authenticate(
  request: FastifyRequest,
  context: ServerContext,
  requireClient: boolean,
  allowQuery = false,
): Promise<Outcome<UserAuth | ClientAuth>> {
  const token = bearerToken(request, allowQuery);
  if (token === undefined) return fail('unauthorized');
  const checked = context.tokens.check(token, context.now());
  if (checked.kind === 'expired') return fail('access-token-expired');
  if (checked.kind === 'invalid') return fail('unauthorized');
  const { u: userId, c: clientId, r: connection } = checked.claims;
  if (clientId === undefined) {
    if (requireClient) return fail('client-required');
  } else if ((await context.store.clients.get(userId, clientId)) === undefined) {
    return fail('client-not-found');
  }
  if (!(await context.store.cookies.hasSession(userId, connection, context.now()))) return fail('unauthorized');
  return done({ userId, clientId, connection });
}

/** Checks the `zuid` user-token cookie for the token endpoints. */
export async function authenticateCookie(request: FastifyRequest, context: ServerContext): Promise<Outcome<CookieAuth>> {
  const value = readCookie(request.headers.cookie);
  if (value === undefined || value.length > 256) return fail('unauthorized');
  const cookie = await context.store.cookies.find(userTokenId(value));
  if (cookie === undefined || cookie.expiresAt <= context.now()) return fail('unauthorized');
  return done({ cookie, value });
}
