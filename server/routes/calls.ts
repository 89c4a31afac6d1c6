import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done } from '../http/outcome';
import { turnCredential } from '../turn/credentials';

/**
 * `GET /calls/config` (seed 002 "Call setup"): the TURN servers with a fresh generic credential
 * (turn/credentials.ts), how long the client may keep the answer (`ttl`, 1 h by default, far
 * inside the credential's 24 h) and the SFUs of conference calls, each with a fresh token
 * (server/calls/sfus.ts). The shape is Wire's
 * `/calls/config/v2` in camelCase; `urls` lists one TURN server's transports, as in Wire's.
 */
export function registerCallRoutes(app: FastifyInstance, context: ServerContext): void {
  const { settings } = context;
  defineRoute(app, context, ROUTES.callConfig, async () => {
    const credential = turnCredential(settings.turn.secret, context.now());
    return done({
      ttl: settings.callConfigTtlSeconds,
      iceServers: settings.turn.urls.length > 0 ? [{ urls: [...settings.turn.urls], ...credential }] : [],
      sftServers: context.sfus.sftServers(context.now()).map((sft) => ({ ...sft, pins: [...sft.pins] })),
    });
  });
}
