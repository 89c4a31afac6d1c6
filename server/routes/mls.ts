import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ROUTES } from '../../protocol';
import type { ServerContext } from '../context';
import { planCommit, planMessage } from '../conversations/mlsPlans';
import { memberOf } from '../conversations/view';
import { defineRoute } from '../http/defineRoute';
import { done, fail } from '../http/outcome';
import { readCommit } from '../mls/commit';
import type { DeviceIdentity } from '../mls/identity';
import { readTreeLeaves } from '../mls/groupInfo';
import { readMessageHeader } from '../mls/wire';
import type { ClientRef } from '../store/records';
import { finishUpdate } from './conversations';

function storedTreeLeaves(groupInfo: Buffer | null): ReadonlyMap<number, DeviceIdentity> | 'no-group-info' | undefined {
  if (groupInfo === null) return 'no-group-info';
  const leaves = readTreeLeaves(groupInfo);
  return leaves.ok ? leaves.value : undefined;
}

/** MLS delivery: epoch-ordered commit bundles, application messages, GroupInfo for external joins. */
export function registerMlsRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;
  const domain = settings.domain;

  defineRoute(app, context, ROUTES.postCommitBundle, async ({ auth, params, body }) => {
    // Parsed outside the conversation's transaction: decoding is the costly part (see bench/commitParse).
    const content = readCommit(Buffer.from(body.commit, 'base64'));
    if (!content.ok) return fail('mls-invalid-message', content.error.message);
    const toRefs = (entries: typeof body.adds): ClientRef[] | undefined =>
      entries.every((entry) => entry.user.domain === domain) ? entries.map((entry) => ({ userId: entry.user.id, clientId: entry.client })) : undefined;
    const adds = toRefs(body.adds);
    const removes = toRefs(body.removes);
    if (!adds || !removes) return fail('mls-client-mismatch', 'Devices of other domains cannot be added here.');
    for (const add of adds) {
      if (!(await store.clients.get(add.userId, add.clientId))) return fail('mls-client-mismatch', 'A device added by the commit is not registered.');
    }
    // The registered MLS keys of every device whose new leaf the commit carries (security review item 1).
    const leafDevices = [...content.value.adds, ...(content.value.pathLeaf ? [content.value.pathLeaf] : [])]
      .filter((leaf) => leaf.identity.domain === domain)
      .map((leaf) => ({ userId: leaf.identity.userId, clientId: leaf.identity.clientId }));
    const signatureKeys = await store.keyPackages.signatureKeys(leafDevices);
    const now = context.now();
    const outcome = await store.conversations.update(
      params.conv,
      (current) =>
        planCommit(current, {
          sender: { userId: auth.userId, clientId: auth.clientId },
          content: content.value,
          commit: body.commit,
          welcome: body.welcome,
          groupInfo: Buffer.from(body.groupInfo, 'base64'),
          adds,
          removes,
          domain,
          treeLeaves: () => storedTreeLeaves(current.groupInfo),
          signatureKeys,
        }),
      now,
    );
    return finishUpdate(context, outcome, (value) => ({ epoch: value.epoch, time: new Date(now).toISOString() }));
  });

  defineRoute(app, context, ROUTES.postMlsMessage, async ({ auth, params, body }) => {
    const header = readMessageHeader(Buffer.from(body.message, 'base64'));
    if (!header.ok) return fail('mls-invalid-message', header.error.message);
    const now = context.now();
    const sender = { userId: auth.userId, clientId: auth.clientId };
    // The digest tells a retry of this post from another post under the same key.
    const postKey = body.idempotencyKey === undefined ? undefined : { key: body.idempotencyKey, digest: createHash('sha256').update(body.message).digest() };
    const outcome = await store.conversations.postMessage(
      params.conv,
      sender,
      (conversation) => planMessage(conversation, { sender, header: header.value, message: body.message, domain }),
      now,
      postKey,
    );
    switch (outcome.kind) {
      case 'missing':
        return fail('conversation-not-found');
      case 'failed':
        return fail(outcome.failure.code, outcome.failure.message, outcome.failure.epoch === undefined ? undefined : { epoch: outcome.failure.epoch });
      case 'done':
        // Pushed only now that the message is committed (and, with `full` durability, on disk).
        context.hub.deliver(outcome.delivered);
        return done({ time: new Date(now).toISOString() });
      case 'repeated':
        // A retry whose first answer was lost: the same answer, nothing stored or pushed again.
        return done({ time: new Date(outcome.postedAt).toISOString() });
      case 'key-reused':
        return fail('idempotency-key-reused');
    }
  });

  defineRoute(app, context, ROUTES.getGroupInfo, async ({ auth, params }) => {
    const conversation = await store.conversations.get(params.conv);
    if (!conversation || !memberOf(conversation, auth.userId)) return fail('conversation-not-found');
    if (!conversation.groupInfo) return fail('not-found', 'No GroupInfo yet: the group has had no commit.');
    return done({ groupInfo: conversation.groupInfo.toString('base64'), epoch: conversation.epoch });
  });
}
