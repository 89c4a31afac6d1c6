import { expect } from 'vitest';
import type { Conversation } from '../../../../protocol';
import { ConversationSchema } from '../../../../protocol';
import type { Api } from './api';
import { commitBytes, fakeKeyPackage, fakeOpaque, identityOf, keyPackageNaming } from './mls';
import type { TestClient } from './users';

/*
 * Which device holds which leaf, per conversation, as a test's client would know from its own
 * MLS state (RFC 9420: removes first, then each joiner takes the smallest free leaf). The server
 * computes this itself; tests that check the server against ts-mls' real trees are in
 * leafIndices.test.ts.
 */
const leafModels = new Map<string, (string | undefined)[]>();
const deviceKey = (client: TestClient): string => `${client.id}/${client.clientId}`;

function leavesOf(conversation: Conversation, sender: TestClient): (string | undefined)[] {
  let leaves = leafModels.get(conversation.qualifiedId.id);
  if (leaves === undefined) {
    // Conversations made without createGroup: assume the first committer created it.
    leaves = [deviceKey(sender)];
    leafModels.set(conversation.qualifiedId.id, leaves);
  }
  return leaves;
}

export async function createGroup(api: Api, creator: TestClient, others: readonly TestClient[], name = 'Team'): Promise<Conversation> {
  const response = await api.post('/conversations', {
    token: creator.clientToken,
    body: { type: 'group', name, users: others.map((other) => ({ id: other.id, domain: 'cairn.test' })) },
  });
  expect(response.status, response.raw.toString()).toBe(201);
  const conversation = ConversationSchema.parse(response.body);
  leafModels.set(conversation.qualifiedId.id, [deviceKey(creator)]);
  return conversation;
}

/**
 * Posts a commit at `epoch` from `sender` that adds `adds` (with a Welcome) and removes
 * `removes`, as a real client would: the commit's proposals are the declared changes, at the
 * leaves the sender's group state would give (a device the model does not know gets leaf 999).
 */
export async function postCommit(
  api: Api,
  conversation: Conversation,
  sender: TestClient,
  epoch: number,
  changes: Readonly<{ adds?: readonly TestClient[]; removes?: readonly TestClient[]; external?: boolean }> = {},
) {
  const groupId = Buffer.from(conversation.groupId, 'base64');
  const ref = (client: TestClient) => ({ user: { id: client.id, domain: 'cairn.test' }, client: client.clientId });
  const leaves = leavesOf(conversation, sender);
  const leafOf = (client: TestClient): number => {
    const leaf = leaves.indexOf(deviceKey(client));
    return leaf < 0 ? 999 : leaf;
  };
  const adds = changes.adds ?? [];
  const removes = changes.removes ?? [];
  // An added device joins with a key package it uploaded itself: the upload registers its MLS
  // signature key, which the server then requires of its new leaf.
  for (const client of changes.external ? [] : adds) await registerSignatureKey(api, client);
  const commit = await commitBytes({
    groupId,
    epoch,
    from: changes.external ? 'external' : leafOf(sender),
    pathIdentity: changes.external || removes.length > 0 ? identityOf(sender) : undefined,
    adds: changes.external ? [] : await Promise.all(adds.map((client) => keyPackageNaming(client))),
    removes: removes.map(leafOf),
  });
  const response = await api.post(`/conversations/${conversation.qualifiedId.id}/mls/commit-bundles`, {
    token: sender.clientToken,
    body: {
      commit: Buffer.from(commit).toString('base64'),
      ...(adds.length > 0 ? { welcome: fakeOpaque(3) } : {}),
      groupInfo: fakeOpaque(4),
      adds: adds.map(ref),
      removes: removes.map(ref),
    },
  });
  if (response.status === 201) {
    for (const client of removes) leaves[leafOf(client)] = undefined;
    for (const client of changes.external ? [sender] : adds) {
      const free = leaves.indexOf(undefined);
      leaves[free < 0 ? leaves.length : free] = deviceKey(client);
    }
  }
  return response;
}

/** Uploads one key package of `client`'s own, so the server binds its (stable, per-identity) MLS signature key. */
export async function registerSignatureKey(api: Api, client: TestClient): Promise<void> {
  const response = await api.post(`/mls/key-packages/self/${client.clientId}`, { token: client.clientToken, body: { keyPackages: [await fakeKeyPackage(client)] } });
  if (response.status !== 201) throw new Error(`uploading a key package failed: ${response.status} ${response.raw.toString()}`);
}
