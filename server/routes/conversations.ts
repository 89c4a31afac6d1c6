import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import type { PlanFailure } from '../conversations/mlsPlans';
import { planAddMembers, planMessageTimer, planRemoveMember, planRename, planSetRole } from '../conversations/memberPlans';
import { memberOf, memberUserIds, toConversation } from '../conversations/view';
import { defineRoute } from '../http/defineRoute';
import type { Outcome } from '../http/outcome';
import { done, fail } from '../http/outcome';
import type { ConversationRecord } from '../store/records';
import type { UpdateOutcome } from '../store/repositories';

/** Turns a conversation update into a response, pushing its notifications once committed. */
export function finishUpdate<T, R>(context: ServerContext, outcome: UpdateOutcome<T, PlanFailure>, answer: (value: T, after: ConversationRecord) => R): Outcome<R> {
  switch (outcome.kind) {
    case 'missing':
      return fail('conversation-not-found');
    case 'failed':
      return fail(outcome.failure.code, outcome.failure.message, outcome.failure.epoch === undefined ? undefined : { epoch: outcome.failure.epoch });
    case 'done':
      context.hub.deliver(outcome.delivered);
      return done(answer(outcome.value, outcome.conversation));
  }
}

/** Conversations: create (group or 1:1), read, members and roles, name, message timer. */
export function registerConversationRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;
  const domain = settings.domain;

  defineRoute(app, context, ROUTES.createConversation, async ({ auth, body }) => {
    const others = [...new Set(body.users.map((user) => user.id))].filter((id) => id !== auth.userId);
    for (const user of body.users) {
      if (user.domain !== domain || !(await store.users.byId(user.id))) return fail('user-not-found');
    }
    if (body.type === 'one2one' && others.length !== 1) {
      return fail('invalid-operation', 'A 1:1 conversation has exactly one other user.');
    }
    if (body.type === 'self' && others.length !== 0) {
      return fail('invalid-operation', 'A self-conversation holds only its owner.');
    }
    const creatorRole = 'admin' as const;
    const record: ConversationRecord = {
      id: randomUUID(),
      type: body.type,
      name: body.type === 'group' ? (body.name ?? null) : null,
      creator: auth.userId,
      groupId: randomBytes(32),
      epoch: 0,
      cipherSuite: body.cipherSuite,
      messageTimer: body.messageTimer,
      groupInfo: null,
      createdAt: context.now(),
      members: [{ userId: auth.userId, role: creatorRole }, ...others.map((userId) => ({ userId, role: body.type === 'one2one' ? creatorRole : ('member' as const) }))],
      // The creating device made the group locally at epoch 0: it is the group's first member, at leaf 0.
      clients: [{ userId: auth.userId, clientId: auth.clientId, registered: true, leafIndex: 0 }],
    };
    // One 1:1 conversation per pair and one self-conversation per user: creating it again returns it.
    const one2oneKey = body.type === 'one2one' ? [auth.userId, ...others].sort().join('/') : body.type === 'self' ? `self/${auth.userId}` : null;
    const created = await store.conversations.create(
      record,
      one2oneKey,
      (conversation) => [
        {
          users: memberUserIds(conversation),
          except: { userId: auth.userId, clientId: auth.clientId },
          event: { type: 'conversation.create', conversation: toConversation(conversation, domain) },
        },
      ],
      context.now(),
    );
    if (created.kind === 'exists' && !memberOf(created.conversation, auth.userId)) return fail('conversation-not-found');
    context.hub.deliver(created.delivered);
    return done(toConversation(created.conversation, domain));
  });

  defineRoute(app, context, ROUTES.listConversations, async ({ auth }) =>
    done({ conversations: (await store.conversations.listForUser(auth.userId)).map((conversation) => toConversation(conversation, domain)) }),
  );

  defineRoute(app, context, ROUTES.getConversation, async ({ auth, params }) => {
    const conversation = await store.conversations.get(params.conv);
    if (!conversation || !memberOf(conversation, auth.userId)) return fail('conversation-not-found');
    return done(toConversation(conversation, domain));
  });

  defineRoute(app, context, ROUTES.addMembers, async ({ auth, params, body }) => {
    for (const user of body.users) {
      if (user.domain !== domain || !(await store.users.byId(user.id))) return fail('user-not-found');
    }
    const users = body.users.map((user) => user.id);
    const outcome = await store.conversations.update(params.conv, (current) => planAddMembers(current, auth.userId, users, body.role, domain), context.now());
    return finishUpdate(context, outcome, (_value, after) => toConversation(after, domain));
  });

  defineRoute(app, context, ROUTES.removeMember, async ({ auth, params }) => {
    if (params.domain !== domain) return fail('user-not-found');
    const outcome = await store.conversations.update(params.conv, (current) => planRemoveMember(current, auth.userId, params.user, domain), context.now());
    return finishUpdate(context, outcome, () => ({}));
  });

  defineRoute(app, context, ROUTES.updateRole, async ({ auth, params, body }) => {
    if (params.domain !== domain) return fail('user-not-found');
    const outcome = await store.conversations.update(params.conv, (current) => planSetRole(current, auth.userId, params.user, body.role, domain), context.now());
    return finishUpdate(context, outcome, () => ({}));
  });

  defineRoute(app, context, ROUTES.renameConversation, async ({ auth, params, body }) => {
    const outcome = await store.conversations.update(params.conv, (current) => planRename(current, auth.userId, body.name, domain), context.now());
    return finishUpdate(context, outcome, () => ({}));
  });

  defineRoute(app, context, ROUTES.setMessageTimer, async ({ auth, params, body }) => {
    const outcome = await store.conversations.update(params.conv, (current) => planMessageTimer(current, auth.userId, body.messageTimer, domain), context.now());
    return finishUpdate(context, outcome, () => ({}));
  });
}
