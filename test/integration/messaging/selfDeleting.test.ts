import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('ephemeral');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function first(o: ObservedCore, conversationId: string): Promise<StoredMessage | undefined> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 10 });
  return result.ok ? result.value.messages[0] : undefined;
}

describe('self-deleting messages', () => {
  it('start their countdown when first shown, then disappear on both sides', async () => {
    const [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const created = await alice.core.router.request('conversations.create', { name: 'Secrets', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;

    const sent = await alice.core.router.request('messages.send', { conversationId: id, text: 'the door code is 4711', timerMs: 1500 });
    expect(sent).toMatchObject({ ok: true, value: { timerMs: 1500, text: 'the door code is 4711' } });
    await expect.poll(() => first(bob, id), { timeout: 15_000 }).toMatchObject({ text: 'the door code is 4711', timerMs: 1500, expiresAt: null });

    // The sender's copy counts down from sending.
    await expect.poll(() => first(alice, id), { timeout: 10_000, interval: 200 }).toMatchObject({ deleted: true, text: null });

    // Not shown yet on Bob's side: still there after the timer's length.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await first(bob, id)).toMatchObject({ text: 'the door code is 4711', deleted: false });

    // Shown: gone once the timer runs out, and no longer searchable.
    await bob.core.router.request('messages.markRead', { conversationId: id });
    expect((await first(bob, id))?.expiresAt).toBeGreaterThan(Date.now() - 100);
    await expect.poll(() => first(bob, id), { timeout: 10_000, interval: 200 }).toMatchObject({ deleted: true, text: null });
    expect(await bob.core.router.request('messages.search', { text: 'door code' })).toMatchObject({ ok: true, value: { messages: [] } });
  });
});
