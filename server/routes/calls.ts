import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done } from '../http/outcome';

/** Seed 002: TURN credentials expire after 24 hours. */
const TURN_CREDENTIAL_SECONDS = 24 * 3600;

/**
 * coturn REST credentials (`--use-auth-secret`): username `"<expiry>:<random>"`, credential
 * base64(HMAC-SHA1(shared secret, username)). The username names no user, so TURN servers
 * cannot log who calls (seed 002).
 */
export function turnCredential(secret: string, nowMs: number): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + TURN_CREDENTIAL_SECONDS}:${randomBytes(8).toString('hex')}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

export function registerCallRoutes(app: FastifyInstance, context: ServerContext): void {
  const { settings } = context;
  defineRoute(app, context, ROUTES.callConfig, async () => {
    const credential = turnCredential(settings.turn.secret, context.now());
    return done({
      ttl: settings.callConfigTtlSeconds,
      iceServers: settings.turn.urls.length > 0 ? [{ urls: [...settings.turn.urls], ...credential }] : [],
      sftServers: settings.sftUrls.map((url) => ({ urls: [url] })),
    });
  });
}
