import { expect } from 'vitest';
import type { Conversation } from '../../../../protocol';
import { ConversationSchema } from '../../../../protocol';
import type { Api } from './api';
import { fakeCommit, fakeOpaque } from './mls';
import type { TestClient } from './users';

export async function createGroup(api: Api, creator: TestClient, others: readonly TestClient[], name = 'Team'): Promise<Conversation> {
  const response = await api.post('/conversations', {
    token: creator.clientToken,
    body: { type: 'group', name, users: others.map((other) => ({ id: other.id, domain: 'cairn.test' })) },
  });
  expect(response.status, response.raw.toString()).toBe(201);
  return ConversationSchema.parse(response.body);
}

/** Posts a commit at `epoch` from `sender` that adds `adds` (with a Welcome), as a real client would. */
export function postCommit(
  api: Api,
  conversation: Conversation,
  sender: TestClient,
  epoch: number,
  changes: Readonly<{ adds?: readonly TestClient[]; removes?: readonly TestClient[]; external?: boolean }> = {},
) {
  const groupId = Buffer.from(conversation.groupId, 'base64');
  const ref = (client: TestClient) => ({ user: { id: client.id, domain: 'cairn.test' }, client: client.clientId });
  return api.post(`/conversations/${conversation.qualifiedId.id}/mls/commit-bundles`, {
    token: sender.clientToken,
    body: {
      commit: fakeCommit(groupId, epoch, changes.external ? 'external' : 0),
      ...(changes.adds && changes.adds.length > 0 ? { welcome: fakeOpaque(3) } : {}),
      groupInfo: fakeOpaque(4),
      adds: (changes.adds ?? []).map(ref),
      removes: (changes.removes ?? []).map(ref),
    },
  });
}
