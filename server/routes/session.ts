import type { FastifyReply } from 'fastify';
import type { AccessResponse, CookieKind } from '../../protocol';
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
