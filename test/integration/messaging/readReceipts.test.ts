import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('receipts');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

describe('unread counts and read receipts', () => {
  it('counts what the reader has not seen, and tells the sender once it is read', async () => {
    const [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const created = await alice.core.router.request('conversations.create', { name: 'Reads', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    for (const text of ['one', 'two']) await alice.core.router.request('messages.send', { conversationId: id, text });

    const unread = async (o: ObservedCore): Promise<number | undefined> => {
      const list = await o.core.router.request('conversations.list', {});
      return list.ok ? list.value.conversations.find((c) => c.id === id)?.unread : undefined;
    };
    await expect.poll(() => unread(bob), { timeout: 15_000 }).toBe(2);
    expect(await unread(alice)).toBe(0);

    expect(await bob.core.router.request('messages.markRead', { conversationId: id })).toEqual({ ok: true, value: {} });
    expect(await unread(bob)).toBe(0);
    const bobId = `${bobUser.id}@${bobUser.domain}`;
    await expect
      .poll(async () => {
        const list = await alice.core.router.request('messages.list', { conversationId: id, limit: 10 });
        return list.ok ? list.value.messages.map((m) => m.readBy) : [];
      }, { timeout: 15_000 })
      .toEqual([[bobId], [bobId]]);
  });
});
