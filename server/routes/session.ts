import type { FastifyReply } from 'fastify';
import type { AccessResponse, CookieKind } from '../../protocol';
import type { CookieRecord } from '../store/records';
import { newConnectionId, newUserToken } from '../auth/tokens';
import type { ServerContext } from '../context';
import { COOKIE_TTL_MS, MAX_COOKIES_PER_KIND, userCookieHeader } from '../http/cookies';

/**
 * Starts a session after registration or login: a new user-token cookie (oldest of its kind
 * replaced beyond 32) sent as `Set-Cookie`, and a first access token.
 */
export async function startSession(
  context: ServerContext,
  reply: FastifyReply,
  userId: string,
  kind: CookieKind,
  label: string | undefined,
): Promise<AccessResponse> {
  const now = context.now();
  const token = newUserToken();
  const connection = newConnectionId();
  const expiresAt = now + COOKIE_TTL_MS[kind];
  await context.store.cookies.create(
    { id: token.id, userId, kind, label: label ?? null, clientId: null, connection, createdAt: now, expiresAt },
    MAX_COOKIES_PER_KIND,
  );
  reply.header('set-cookie', userCookieHeader(token.value, kind, expiresAt));
  const access = context.tokens.issue({ u: userId, r: connection }, now);
  return { user: userId, accessToken: access.token, tokenType: 'Bearer', expiresIn: access.expiresIn };
}

/**
 * Seed 002: on refresh the server may issue a new cookie, prolonging the session; Wire does so
 * about every 3 months. We renew once a quarter of the cookie's lifetime has passed (≈ 3 months
 * for persistent cookies). The old cookie stays valid until it expires or is replaced, so a lost
 * response never signs the device out.
 */
export async function renewIfOld(context: ServerContext, reply: FastifyReply, cookie: CookieRecord): Promise<CookieRecord> {
  const now = context.now();
  const lifetime = COOKIE_TTL_MS[cookie.kind];
  if (now - cookie.createdAt < lifetime / 4) return cookie;
  const token = newUserToken();
  const renewed: CookieRecord = { ...cookie, id: token.id, createdAt: now, expiresAt: now + lifetime };
  await context.store.cookies.create(renewed, MAX_COOKIES_PER_KIND);
  reply.header('set-cookie', userCookieHeader(token.value, cookie.kind, renewed.expiresAt));
  return renewed;
}
