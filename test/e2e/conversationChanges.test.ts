import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConversationSummary } from '../../electron/core/ipc/contract';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import type { ObservedCore } from '../support/cores';
import { registerThroughCore, startCore } from '../support/cores';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-conversation-changes');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let ada: TestClient;
let bob: ObservedCore | undefined;

afterAll(async () => {
  await bob?.core.close();
});

/** How many times the page asked the core for the whole conversation list so far. */
function listReads(client: TestClient): number {
  return client.sent.filter((m) => typeof m === 'object' && m !== null && Reflect.get(m, 'channel') === 'conversations.list').length;
}

/** Delivers a core event to the page as the core's port would (a summary the test chose). */
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

describe('the conversation list following a message from someone else', () => {
  it('patches the row with the core\'s summary: the new message, the unread count and the order, without reading every conversation again', async () => {
    const a = ada.page;
    // Bob is a core of his own (no page): he joins a group Ada makes and writes in it.
    const bobCore = startCore(env.root, 'bob');
    bob = bobCore;
    const bobUser = await registerThroughCore(bobCore, env.server, env.root, 'bob@example.test', 'Bob Lichen');
    const created = await bridgeRequest(a, 'conversations.create', { name: 'Summit', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error?.message);
    const summitId = z.object({ id: z.string() }).parse(created.value).id;
    await expect
      .poll(async () => {
        const listed = await bobCore.core.router.request('conversations.list', {});
        return listed.ok && listed.value.conversations.some((c) => c.id === summitId && c.epoch !== null);
      }, { timeout: 20_000 })
      .toBe(true);
    await a.getByTestId('conversation-item').filter({ hasText: 'Summit' }).waitFor();
    const readsBefore = listReads(ada);

    const sent = await bobCore.core.router.request('messages.send', { conversationId: summitId, text: 'Rope is fixed' });
    if (!sent.ok) throw new Error(sent.error.message);
    const row = a.getByTestId('conversation-item').first();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('Rope is fixed');
    expect(await row.textContent()).toContain('Summit');
    expect(await row.getByTestId('unread-badge').textContent()).toBe('1');
    expect(listReads(ada)).toBe(readsBefore);
    // The row the page shows is the core's own: what a reload would read.
    const listed = (await summaries(ada)).find((c) => c.id === summitId);
    expect(listed).toMatchObject({ lastMessage: 'Rope is fixed', unread: 1 });
    expect((await summaries(ada))[0]?.id).toBe(summitId);
  });
});

