import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Subconversation } from '../../protocol';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { planCreateSubconversation, planLeaveSubconversation, planSubconversationCommit } from '../conversations/subconversationPlans';
import { memberOf, qualifiedConversation, qualifiedUser } from '../conversations/view';
import { defineRoute } from '../http/defineRoute';
import type { Outcome } from '../http/outcome';
import { done, fail } from '../http/outcome';
import { readCommit } from '../mls/commit';
import type { ClientRef, ConversationRecord } from '../store/records';
import type { SubconversationOutcome, SubconversationRecord } from '../store/subconversationRecords';
import type { PlanFailure } from '../conversations/mlsPlans';

function toSubconversation(parent: ConversationRecord, sub: SubconversationRecord, domain: string): Subconversation {
  return {
    parent: qualifiedConversation(parent, domain),
    id: sub.id,
    groupId: sub.groupId.toString('base64'),
    epoch: sub.epoch,
    cipherSuite: sub.cipherSuite,
    epochStartedAt: sub.epochStartedAt,
    clients: sub.clients.map((client) => ({ user: qualifiedUser(client.userId, domain), client: client.clientId, leafIndex: client.leafIndex, left: client.left })),
  };
}

function finish<T, R>(context: ServerContext, outcome: SubconversationOutcome<T, PlanFailure>, answer: (value: T) => R): Outcome<R> {
  switch (outcome.kind) {
    case 'missing':
      return fail('not-found', 'There is no such call group.');
    case 'failed':
      return fail(outcome.failure.code, outcome.failure.message, outcome.failure.epoch === undefined ? undefined : { epoch: outcome.failure.epoch });
    case 'done':
      context.hub.deliver(outcome.delivered);
      return done(answer(outcome.value));
  }
}

/**
 * Call groups (issue 14): MLS groups of their own under a conversation, in the route style of the
 * conversation's MLS routes (`mls.ts`), whose commit checks they reuse. Only members of the
 * conversation may see or join one: others get 403 `not-member`.
 */
export function registerSubconversationRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;
  const domain = settings.domain;

  defineRoute(app, context, ROUTES.createSubconversation, async ({ auth, params, body }) => {
    const creator: ClientRef = { userId: auth.userId, clientId: auth.clientId };
    const created = await store.subconversations.create(params.conv, (parent) =>
      planCreateSubconversation(parent, creator, { id: randomUUID(), groupId: randomBytes(32), cipherSuite: body.cipherSuite, now: context.now() }),
    );
    switch (created.kind) {
      case 'missing':
        return fail('conversation-not-found');
      case 'failed':
        return fail(created.failure.code, created.failure.message);
      case 'created': {
        const found = await store.subconversations.get(params.conv, created.record.id);
        if (!found) return fail('not-found', 'There is no such call group.');
        return done(toSubconversation(found.parent, found.sub, domain));
      }
    }
  });

  defineRoute(app, context, ROUTES.getSubconversation, async ({ auth, params }) => {
    const found = await store.subconversations.get(params.conv, params.sub);
    if (!found) return fail('not-found', 'There is no such call group.');
    if (!memberOf(found.parent, auth.userId)) return fail('not-member', 'Only members of the conversation may take part in its calls.');
    return done(toSubconversation(found.parent, found.sub, domain));
  });

  defineRoute(app, context, ROUTES.getSubconversationGroupInfo, async ({ auth, params }) => {
    const found = await store.subconversations.get(params.conv, params.sub);
    if (!found) return fail('not-found', 'There is no such call group.');
    if (!memberOf(found.parent, auth.userId)) return fail('not-member', 'Only members of the conversation may take part in its calls.');
    if (!found.sub.groupInfo) return fail('not-found', 'No GroupInfo yet: the call group has had no commit.');
    return done({ groupInfo: found.sub.groupInfo.toString('base64'), epoch: found.sub.epoch });
  });

  defineRoute(app, context, ROUTES.postSubconversationCommitBundle, async ({ auth, params, body }) => {
    const content = readCommit(Buffer.from(body.commit, 'base64'));
    if (!content.ok) return fail('mls-invalid-message', content.error.message);
    const toRefs = (entries: typeof body.adds): ClientRef[] | undefined =>
      entries.every((entry) => entry.user.domain === domain) ? entries.map((entry) => ({ userId: entry.user.id, clientId: entry.client })) : undefined;
    const adds = toRefs(body.adds);
    const removes = toRefs(body.removes);
    if (!adds || !removes) return fail('mls-client-mismatch', 'Devices of other domains cannot be added here.');
    const leafDevices = [...content.value.adds, ...(content.value.pathLeaf ? [content.value.pathLeaf] : [])]
      .filter((leaf) => leaf.identity.domain === domain)
      .map((leaf) => ({ userId: leaf.identity.userId, clientId: leaf.identity.clientId }));
    const signatureKeys = await store.keyPackages.signatureKeys(leafDevices);
    const now = context.now();
    const outcome = await store.subconversations.update(
      params.conv,
      params.sub,
      (parent, sub) =>
        planSubconversationCommit(parent, sub, {
          sender: { userId: auth.userId, clientId: auth.clientId },
          content: content.value,
          commit: body.commit,
          welcome: body.welcome,
          groupInfo: Buffer.from(body.groupInfo, 'base64'),
          adds,
          removes,
          domain,
          // Every device's leaf is stored from the group's creation on: the tree is never read.
          treeLeaves: () => undefined,
          signatureKeys,
        }),
      now,
    );
    return finish(context, outcome, (value) => ({ epoch: value.epoch, time: new Date(now).toISOString() }));
  });

  defineRoute(app, context, ROUTES.leaveSubconversation, async ({ auth, params }) => {
    const device: ClientRef = { userId: auth.userId, clientId: auth.clientId };
    const outcome = await store.subconversations.update(params.conv, params.sub, (parent, sub) => planLeaveSubconversation(parent, sub, device, domain), context.now());
    return finish(context, outcome, () => ({}));
  });
}
