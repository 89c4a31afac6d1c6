import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { useTestServer } from '../../support/testServer';
import { registerThroughCore, settled, startCore, startCores } from '../../support/cores';

const env = useTestServer('catch-up');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function messages(o: ObservedCore, conversationId: string) {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 200 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text') : [];
}

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  return (await messages(o, conversationId)).map((m) => m.text ?? '');
}

describe('catching up after being offline', () => {
  it('stores a long backlog with a commit, an edit and a reaction in it, and sends from the state it ends in', async () => {
    const [alice, bobAway, carol] = startCores(env.root, cores, 'alice', 'bob', 'carol');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bobAway, env.server, env.root, 'bob@example.test', 'Bob');
    const carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
    const created = await alice.core.router.request('conversations.create', { name: 'Backlog', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    await expect
      .poll(async () => {
        const list = await bobAway.core.router.request('conversations.list', {});
        return list.ok ? list.value.conversations.map((c) => c.id) : [];
      }, { timeout: 15_000 })
      .toEqual([id]);
    await bobAway.core.close();

    // While Bob is away: texts, a commit that adds Carol (a new epoch), more texts, an edit of
    // an early text and a reaction to a late one — all waiting in Bob's queue.
    const sentIds: string[] = [];
    const send = async (text: string): Promise<void> => {
      const sent = await alice.core.router.request('messages.send', { conversationId: id, text });
      if (!sent.ok) throw new Error(sent.error.message);
      sentIds.push(sent.value.id);
    };
    for (let i = 1; i <= 40; i++) await send(`before ${i}`);
    const added = await alice.core.router.request('conversations.addMembers', { conversationId: id, members: [{ id: carolUser.id, domain: carolUser.domain }] });
    expect(added).toMatchObject({ ok: true, value: { memberCount: 3 } });
    for (let i = 1; i <= 40; i++) await send(`after ${i}`);
    const early = sentIds[2] ?? '';
    const late = sentIds[45] ?? '';
    expect(await alice.core.router.request('messages.edit', { conversationId: id, messageId: early, text: 'before 3, edited' })).toMatchObject({ ok: true });
    expect(await alice.core.router.request('messages.react', { conversationId: id, messageId: late, emoji: '👍' })).toMatchObject({ ok: true });

    const bob = startCore(env.root, 'bob');
    cores.push(bob);
    await bob.core.router.request('account.status', {});
    const expected = [
      ...Array.from({ length: 40 }, (_, i) => (i === 2 ? 'before 3, edited' : `before ${i + 1}`)),
      ...Array.from({ length: 40 }, (_, i) => `after ${i + 1}`),
    ];
    await expect.poll(() => texts(bob, id), { timeout: 60_000 }).toEqual(expected);
    await expect.poll(async () => (await messages(bob, id)).find((m) => m.id === late)?.reactions.map((r) => r.emoji), { timeout: 15_000 }).toEqual(['👍']);
    // Each text was announced to the UI exactly once.
    const announced = bob.events.flatMap((e) => {
      const payload = e.payload;
      return e.event === 'message.added' && typeof payload === 'object' && payload !== null && 'id' in payload && typeof payload.id === 'string' ? [payload.id] : [];
    });
    expect(new Set(announced).size).toBe(announced.length);
    expect(announced).toEqual(expect.arrayContaining(sentIds));

    // Bob's stored group state is the one the whole backlog left: what he sends now, in the
    // epoch with Carol, both others read.
    const back = await bob.core.router.request('messages.send', { conversationId: id, text: 'back again' });
    if (!back.ok) throw new Error(back.error.message);
    expect(await settled(bob, back.value.id)).toBe('sent');
    await expect.poll(async () => (await texts(alice, id)).at(-1), { timeout: 15_000 }).toBe('back again');
    await expect.poll(async () => (await texts(carol, id)).at(-1), { timeout: 15_000 }).toBe('back again');
  }, 120_000);
});
