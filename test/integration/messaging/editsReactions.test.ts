import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('edits');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function messages(o: ObservedCore, conversationId: string): Promise<StoredMessage[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages : [];
}

describe('edits, deletes and reactions', () => {
  it('behave as people expect on both sides, and only the sender may edit or delete', async () => {
    const [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    const aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const aliceId = `${aliceUser.id}@${aliceUser.domain}`;
    const bobId = `${bobUser.id}@${bobUser.domain}`;
    const created = await alice.core.router.request('conversations.create', { name: 'Edits', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    const sent = await alice.core.router.request('messages.send', { conversationId: id, text: 'helo wrold' });
    if (!sent.ok) throw new Error(sent.error.message);
    const messageId = sent.value.id;
    await expect.poll(async () => (await messages(bob, id)).map((m) => m.text), { timeout: 15_000 }).toEqual(['helo wrold']);

    const edited = await alice.core.router.request('messages.edit', { conversationId: id, messageId, text: 'hello world' });
    expect(edited).toMatchObject({ ok: true, value: { text: 'hello world' } });
    await expect.poll(async () => (await messages(bob, id))[0]?.text, { timeout: 15_000 }).toBe('hello world');
    expect((await messages(bob, id))[0]?.editedAt).not.toBeNull();
    expect(await bob.core.router.request('messages.edit', { conversationId: id, messageId, text: 'forged' })).toMatchObject({
      ok: false,
      error: { code: 'message-not-yours' },
    });

    await bob.core.router.request('messages.react', { conversationId: id, messageId, emoji: '👍' });
    await bob.core.router.request('messages.react', { conversationId: id, messageId, emoji: '❤️' });
    await alice.core.router.request('messages.react', { conversationId: id, messageId, emoji: '❤️' });
    await expect
      .poll(async () => (await messages(alice, id))[0]?.reactions, { timeout: 15_000 })
      .toEqual([{ emoji: '❤️', users: expect.arrayContaining([aliceId, bobId]) }]);
    await expect.poll(async () => (await messages(bob, id))[0]?.reactions[0]?.users.length, { timeout: 15_000 }).toBe(2);

    expect(await bob.core.router.request('messages.delete', { conversationId: id, messageId })).toMatchObject({ ok: false, error: { code: 'message-not-yours' } });
    expect(await alice.core.router.request('messages.delete', { conversationId: id, messageId })).toMatchObject({ ok: true });
    await expect.poll(async () => (await messages(bob, id))[0], { timeout: 15_000 }).toMatchObject({ deleted: true, text: null, reactions: [] });
    const search = await bob.core.router.request('messages.search', { text: 'hello' });
    expect(search).toMatchObject({ ok: true, value: { messages: [] } });
  });
});
