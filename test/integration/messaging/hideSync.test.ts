import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { eventsOf, registerThroughCore, signInThroughCore, startCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('hide-sync');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function value<T>(result: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

/** Ids of the conversation's messages, without system lines (a new device of Alice gets one). */
async function ids(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind !== 'system').map((m) => m.id) : [];
}

async function listed(o: ObservedCore): Promise<string[]> {
  return (await value(o.core.router.request('conversations.list', {}))).conversations.map((c) => c.id);
}

describe('delete for me on every device of the user', () => {
  it('hides the message on the user\'s other devices through the self-conversation, and nowhere else', async () => {
    const [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const laptop = startCore(env.root, 'alice-laptop');
    cores.push(laptop);
    await signInThroughCore(laptop, env.server, 'alice@example.test');

    const created = await value(alice.core.router.request('conversations.create', { name: 'Cabin', members: [{ id: bobUser.id, domain: bobUser.domain }] }));
    const id = created.id;
    const first = await value(bob.core.router.request('messages.send', { conversationId: id, text: 'first, to be hidden' }));
    const second = await value(bob.core.router.request('messages.send', { conversationId: id, text: 'second, hidden from the laptop' }));
    await expect.poll(() => ids(laptop, id), { timeout: 15_000 }).toEqual([first.id, second.id]);
    await expect.poll(() => ids(alice, id), { timeout: 15_000 }).toEqual([first.id, second.id]);

    // The first hide makes the self-conversation; the laptop joins it and hides the message too.
    expect(await value(alice.core.router.request('messages.hide', { conversationId: id, messageId: first.id }))).toEqual({ synced: true });
    expect(await ids(alice, id)).toEqual([second.id]);
    await expect.poll(() => ids(laptop, id), { timeout: 15_000 }).toEqual([second.id]);
    expect(eventsOf(laptop, 'message.hidden')).toEqual([{ conversationId: id, messageId: first.id }]);

    // And the other way round, now that both devices are in it.
    expect(await value(laptop.core.router.request('messages.hide', { conversationId: id, messageId: second.id }))).toEqual({ synced: true });
    await expect.poll(() => ids(alice, id), { timeout: 15_000 }).toEqual([]);
    const search = await value(alice.core.router.request('messages.search', { text: 'hidden' }));
    expect(search.messages).toEqual([]);

    // Bob is told nothing, and the self-conversation shows in nobody's list.
    expect(await ids(bob, id)).toEqual([first.id, second.id]);
    expect(await listed(alice)).toEqual([id]);
    expect(await listed(laptop)).toEqual([id]);
    expect(await listed(bob)).toEqual([id]);

    // A device added to the account later joins the self-conversation with the rest.
    const phone = startCore(env.root, 'alice-phone');
    cores.push(phone);
    await signInThroughCore(phone, env.server, 'alice@example.test');
    await expect.poll(async () => (await listed(phone)).includes(id), { timeout: 20_000 }).toBe(true);
    const third = await value(bob.core.router.request('messages.send', { conversationId: id, text: 'third' }));
    await expect.poll(() => ids(phone, id), { timeout: 15_000 }).toEqual([third.id]);
    expect(await value(phone.core.router.request('messages.hide', { conversationId: id, messageId: third.id }))).toEqual({ synced: true });
    await expect.poll(() => ids(alice, id), { timeout: 15_000 }).toEqual([]);
    await expect.poll(() => ids(laptop, id), { timeout: 15_000 }).toEqual([]);
  });
});
