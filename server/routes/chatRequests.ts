import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { ChatRequest } from '../../protocol';
import { CHAT_REQUEST_TTL_MS, ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { defineRoute } from '../http/defineRoute';
import { done, fail, refused } from '../http/outcome';
import type { ChatRequestRecord, UserRecord } from '../store/records';
import { toProfile } from './profiles';

/**
 * Chat requests by e-mail (docs/SECURITY.md §10, the enumeration defence of seed 002's account
 * model): `POST /chat-requests` answers 202 `{}` at once, before the address is even looked up,
 * so neither the answer nor its timing can tell whether the address has an account. The
 * lookup, the stored request, the notification and the mail to the owner happen afterwards; an
 * address without an account gets no mail (no mail to strangers). The requester learns who
 * owns the address only when the owner accepts.
 */
export function registerChatRequestRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;

  const toWire = (request: ChatRequestRecord, requester: UserRecord): ChatRequest => ({
    id: request.id,
    requester: toProfile(requester, settings.domain),
    created: new Date(request.createdAt).toISOString(),
    expires: new Date(request.expiresAt).toISOString(),
  });

  /** The work behind a request, after the answer has gone: never throws, never answers. */
  const deliver = async (requesterId: string, email: string): Promise<void> => {
    const [requester, target] = await Promise.all([store.users.byId(requesterId), store.users.byEmail(email)]);
    if (!requester || !target || target.id === requester.id) return;
    const now = context.now();
    const record: ChatRequestRecord = { id: randomUUID(), requesterId: requester.id, targetId: target.id, state: 'pending', createdAt: now, expiresAt: now + CHAT_REQUEST_TTL_MS };
    const outcome = await store.chatRequests.create(record, (created) => [{ users: [target.id], event: { type: 'user.chat-request', request: toWire(created, requester) } }], now);
    if (outcome.kind === 'exists') return;
    context.hub.deliver(outcome.delivered);
    await context.mailer.send({
      to: target.email,
      kind: 'chat-request',
      subject: `${requester.name} wants to chat with you on Cairn`,
      text:
        `${requester.name}${requester.handle === null ? '' : ` (@${requester.handle})`} wants to chat with you on Cairn. Open Cairn to accept or ignore.\n\n` +
        'Cairn did not tell them whether this address has an account, and tells them nothing unless you accept. If you do not know them, ignore the request.',
    });
  };

  /**
   * The work runs one request at a time, in order, each after a random pause of 10–100 ms. Done
   * at once, the store write and the mail of an address with an account slowed whatever the
   * server answered next (measured: the requester's following request took ~0.5 ms longer), so a
   * requester could tell from their next request; the pause moves it off that request.
   */
  let queue: Promise<void> = Promise.resolve();
  const later = (requesterId: string, email: string): void => {
    queue = queue
      .then(() => sleep(randomInt(10, 101)))
      .then(() => deliver(requesterId, email))
      .catch((error: unknown) => context.log.error({ event: 'chat-request-failed', err: error }, 'chat request not delivered'));
  };

  defineRoute(app, context, ROUTES.sendChatRequest, async ({ auth, body }) => {
    const limited = refused(await context.limiter.attempt('chat-request', auth.userId)) ?? refused(await context.limiter.attempt('chat-request-target', body.email));
    if (limited) return limited;
    later(auth.userId, body.email);
    return done({});
  });

  defineRoute(app, context, ROUTES.listChatRequests, async ({ auth }) => {
    const pending = await store.chatRequests.pendingFor(auth.userId, context.now());
    const requests: ChatRequest[] = [];
    for (const request of pending) {
      const requester = await store.users.byId(request.requesterId);
      if (requester) requests.push(toWire(request, requester));
    }
    return done({ requests });
  });

  /** Only the target answers; an unknown id, someone else's request and an answered or expired one look alike. */
  defineRoute(app, context, ROUTES.acceptChatRequest, async ({ auth, params }) => {
    const target = await store.users.byId(auth.userId);
    if (!target) return fail('unauthorized');
    const outcome = await store.chatRequests.answer(
      params.id,
      auth.userId,
      'accepted',
      (request) => [
        { users: [request.requesterId], event: { type: 'user.chat-request-accepted', request: request.id, user: toProfile(target, settings.domain) } },
        { users: [auth.userId], except: auth.clientId === undefined ? undefined : { userId: auth.userId, clientId: auth.clientId }, event: { type: 'user.chat-request-answered', request: request.id } },
      ],
      context.now(),
    );
    if (outcome.kind === 'missing') return fail('chat-request-not-found');
    context.hub.deliver(outcome.delivered);
    const requester = await store.users.byId(outcome.request.requesterId);
    return requester ? done({ requester: toProfile(requester, settings.domain) }) : fail('chat-request-not-found');
  });

  /** Ignoring tells only the target's other devices: the requester's request just never turns into a conversation. */
  defineRoute(app, context, ROUTES.ignoreChatRequest, async ({ auth, params }) => {
    const outcome = await store.chatRequests.answer(
      params.id,
      auth.userId,
      'ignored',
      (request) => [{ users: [auth.userId], except: auth.clientId === undefined ? undefined : { userId: auth.userId, clientId: auth.clientId }, event: { type: 'user.chat-request-answered', request: request.id } }],
      context.now(),
    );
    if (outcome.kind === 'missing') return fail('chat-request-not-found');
    context.hub.deliver(outcome.delivered);
    return done({});
  });
}
