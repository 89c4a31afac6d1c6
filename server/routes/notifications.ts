import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done } from '../http/outcome';
import { registerPushSocket } from './pushSocket';

/** The per-client queue: paged catch-up, newest id, acknowledgement, and the WebSocket. */
export function registerNotificationRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store } = context;
  const ref = (auth: { userId: string; clientId: string }) => ({ userId: auth.userId, clientId: auth.clientId });

  defineRoute(app, context, ROUTES.getNotifications, async ({ auth, query }) => {
    const page = await store.notifications.page(ref(auth), query.since, query.size);
    return done({ notifications: [...page.notifications], hasMore: page.hasMore, resyncRequired: page.resyncRequired });
  });

  defineRoute(app, context, ROUTES.lastNotification, async ({ auth }) => done({ id: await store.notifications.last(ref(auth)) }));

  defineRoute(app, context, ROUTES.ackNotifications, async ({ auth, body }) => {
    context.acks.record(ref(auth), body.upTo);
    return done({});
  });

  registerPushSocket(app, context);
}
