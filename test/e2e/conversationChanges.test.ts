import { beforeAll, describe, expect, it } from 'vitest';
import type { ConversationSummary } from '../../electron/core/ipc/contract';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-conversation-changes');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let ada: TestClient;

/** How many times the page asked the core for the whole conversation list so far. */
function listReads(client: TestClient): number {
  return client.sent.filter((m) => typeof m === 'object' && m !== null && Reflect.get(m, 'channel') === 'conversations.list').length;
}

/** Delivers a core event to the page as the core's port would (the core does not send summaries yet). */
async function deliverEvent(client: TestClient, event: string, payload: unknown): Promise<void> {
  await client.page.evaluate(
    (message) => (globalThis as { __cairnReceive?: (x: unknown) => void }).__cairnReceive?.(message),
    { kind: 'event', event, payload },
  );
}

async function summaries(client: TestClient): Promise<ConversationSummary[]> {
  const listed = await bridgeRequest(client.page, 'conversations.list', {});
  return (listed.value as { conversations: ConversationSummary[] }).conversations;
}

beforeAll(async () => {
  ada = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'ada', email: 'ada@example.test', name: 'Ada Fern' });
  for (const name of ['Base camp', 'North ridge']) {
    const created = await bridgeRequest(ada.page, 'conversations.create', { name, members: [] });
    if (!created.ok) throw new Error(created.error?.message);
  }
  await ada.page.getByTestId('conversation-item').nth(1).waitFor();
});

describe('the conversation list following changes', () => {
  it('patches the one row a change carries a summary for, without reading every conversation again', async () => {
    const a = ada.page;
    const baseCamp = (await summaries(ada)).find((c) => c.name === 'Base camp');
    if (!baseCamp) throw new Error('Base camp is not listed');
    const readsBefore = listReads(ada);
    const patched: ConversationSummary = { ...baseCamp, lastMessage: 'Tents are up', unread: 4, lastActivityAt: Date.now() + 60_000 };
    await deliverEvent(ada, 'conversation.changed', { id: baseCamp.id, summary: patched });

    const row = a.getByTestId('conversation-item').first();
    await expect.poll(() => row.textContent()).toContain('Tents are up');
    expect(await row.getByTestId('unread-badge').textContent()).toBe('4');
    expect(await a.getByTestId('conversation-item').nth(1).textContent()).toContain('North ridge');
    expect(listReads(ada)).toBe(readsBefore);
  });

  it('reads the list again when a change comes without a summary', async () => {
    const a = ada.page;
    const baseCamp = (await summaries(ada)).find((c) => c.name === 'Base camp');
    if (!baseCamp) throw new Error('Base camp is not listed');
    const readsBefore = listReads(ada);
    await deliverEvent(ada, 'conversation.changed', { id: baseCamp.id });
    await expect.poll(() => listReads(ada)).toBeGreaterThan(readsBefore);
    // The core's own state comes back: no unread messages, no such preview.
    await expect.poll(() => a.getByTestId('conversation-item').filter({ hasText: 'Tents are up' }).count()).toBe(0);
    expect(await a.getByTestId('unread-badge').count()).toBe(0);
  });
});
