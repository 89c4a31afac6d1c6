import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Notification, ServerFrame } from '../../protocol';
import { ClientFrameSchema, ROUTES, WebSocketQuerySchema } from '../../protocol';
import type { ServerContext } from '../context';
import { authenticate } from '../http/authenticate';
import type { ClientAuth } from '../http/defineRoute';
import { sendFailure } from '../http/failure';
import type { ClientRef } from '../store/records';

const REPLAY_PAGE = 500;
/** A device normally holds one socket; a few more allow for overlap while reconnecting. */
const MAX_SOCKETS_PER_CLIENT = 8;
/** A socket that buffers more than this is too slow; it is closed and the client catches up by REST. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * `GET /await?since=<id>` upgraded to a WebSocket. Authenticated before the upgrade with a
 * client-bound access token (`Authorization: Bearer` or `access_token=`). The server first
 * replays the queue after `since` (if given), sends `caught-up`, then pushes new notifications
 * without gaps or duplicates: live pushes that arrive during the replay are held back and sent
 * after it, skipping any the replay already covered. Routes hand notifications to the hub right
 * after their transaction commits, so live pushes arrive in id order.
 */
export function registerPushSocket(app: FastifyInstance, context: ServerContext): void {
  const authenticated = new WeakMap<FastifyRequest, ClientAuth>();
  app.get(
    ROUTES.awaitNotifications.path,
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const query = WebSocketQuerySchema.safeParse(request.query ?? {});
        if (!query.success) return sendFailure(reply, 'bad-request');
        const auth = await authenticate(request, context, true, true);
        if (!auth.ok) return sendFailure(reply, auth.error.code);
        const { clientId } = auth.value;
        if (clientId === undefined) return sendFailure(reply, 'client-required');
        if (context.hub.connections({ userId: auth.value.userId, clientId }) >= MAX_SOCKETS_PER_CLIENT) {
          return sendFailure(reply, 'rate-limited', 'This device already has too many open connections. Close one and retry.');
        }
        authenticated.set(request, { ...auth.value, clientId });
      },
    },
    (socket, request) => {
      const auth = authenticated.get(request);
      const query = WebSocketQuerySchema.safeParse(request.query ?? {});
      if (!auth || !query.success) {
        socket.close(1008, 'unauthorized');
        return;
      }
      serve(socket, context, { userId: auth.userId, clientId: auth.clientId }, auth.connection, query.data.since);
    },
  );
}

function serve(socket: WebSocket, context: ServerContext, client: ClientRef, connection: string, since: number | undefined): void {
  let replayedUpTo = since ?? 0;
  let replaying = since !== undefined;
  const held: Array<{ notification: Notification; frame: string }> = [];
  const sendText = (text: string): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'too slow; catch up with GET /notifications');
      return;
    }
    socket.send(text);
  };
  const send = (frame: ServerFrame): void => sendText(JSON.stringify(frame));
  const pushLive = (notification: Notification, frame: string): void => {
    if (notification.id <= replayedUpTo) return;
    sendText(frame);
  };
  // Dead peers (lost network, sleeping laptop) are found by WebSocket pings: no pong by the next
  // beat and the socket is dropped, so the hub does not buffer for a device that is gone.
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const heartbeat = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, context.settings.heartbeatMs);
  heartbeat.unref();
  socket.on('close', () => clearInterval(heartbeat));
  const unsubscribe = context.hub.subscribe(client, {
    push: (notification, frame) => (replaying ? held.push({ notification, frame }) : pushLive(notification, frame)),
    removed: () => {
      send({ type: 'client-removed' });
      socket.close(4403, 'client removed');
    },
    signedOut: () => socket.close(4401, 'signed out'),
    // 1012 Service Restart (RFC 6455 registry): the device reconnects and replays what it missed.
    reconnect: () => socket.close(1012, 'reconnect'),
    connection,
  });
  socket.on('close', unsubscribe);
  socket.on('error', unsubscribe);
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(data.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const frame = ClientFrameSchema.safeParse(parsed);
    if (!frame.success) {
      socket.close(1007, 'invalid frame');
      return;
    }
    switch (frame.data.type) {
      case 'ack':
        context.acks.record(client, frame.data.upTo);
        return;
      case 'ping':
        send({ type: 'pong' });
        return;
    }
  });
  if (!replaying) return;
  const replay = async (): Promise<void> => {
    let expiredUpTo = 0;
    for (let page = 0; page < 100_000 && socket.readyState === socket.OPEN; page += 1) {
      const result = await context.store.notifications.page(client, replayedUpTo, REPLAY_PAGE);
      if (page === 0 && result.resyncRequired) {
        send({ type: 'resync-required' });
        expiredUpTo = result.expiredUpTo;
      }
      for (const notification of result.notifications) {
        send({ type: 'notification', notification });
        replayedUpTo = notification.id;
      }
      if (!result.hasMore) break;
    }
    replaying = false;
    // After a resync the device continues from here: past what expired even when nothing newer
    // was left to replay, so its next connection is not told to resync again.
    const lastId = Math.max(replayedUpTo, expiredUpTo);
    send({ type: 'caught-up', lastId });
    for (const { notification, frame } of held.splice(0)) pushLive(notification, frame);
  };
  replay().catch((error: unknown) => {
    context.log.error({ err: String(error) }, 'replay failed');
    socket.close(1011, 'replay failed');
  });
}
