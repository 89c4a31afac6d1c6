import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { useTestServer } from '../../support/testServer';
import { registerThroughCore, startCores } from '../../support/cores';

const env = useTestServer('members');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
}

async function summary(o: ObservedCore, id: string) {
  const result = await o.core.router.request('conversations.list', {});
  return result.ok ? result.value.conversations.find((c) => c.id === id) : undefined;
}

describe('group membership', () => {
  it('adds a member later, who reads what comes after; a removed member reads nothing sent after the removal', async () => {
    const [alice, bob, carol] = startCores(env.root, cores, 'alice', 'bob', 'carol');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');

    const created = await alice.core.router.request('conversations.create', { name: 'Crew', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    await alice.core.router.request('messages.send', { conversationId: id, text: 'before carol' });
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toEqual(['before carol']);

    const added = await alice.core.router.request('conversations.addMembers', { conversationId: id, members: [{ id: carolUser.id, domain: carolUser.domain }] });
    expect(added).toMatchObject({ ok: true, value: { memberCount: 3 } });
    await expect.poll(async () => (await summary(carol, id))?.memberCount, { timeout: 15_000 }).toBe(3);
    await alice.core.router.request('messages.send', { conversationId: id, text: 'welcome carol' });
    await expect.poll(() => texts(carol, id), { timeout: 15_000 }).toEqual(['welcome carol']);
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toEqual(['before carol', 'welcome carol']);

    const removed = await alice.core.router.request('conversations.removeMember', { conversationId: id, member: { id: bobUser.id, domain: bobUser.domain } });
    expect(removed).toMatchObject({ ok: true, value: { memberCount: 2 } });
    await expect.poll(async () => (await summary(bob, id))?.left, { timeout: 15_000 }).toBe(true);

    await alice.core.router.request('messages.send', { conversationId: id, text: 'after bob left' });
    await expect.poll(() => texts(carol, id), { timeout: 15_000 }).toEqual(['welcome carol', 'after bob left']);
    // Bob keeps his history but gets nothing new, and cannot send into the group any more.
    expect(await texts(bob, id)).toEqual(['before carol', 'welcome carol']);
    expect(await bob.core.router.request('messages.send', { conversationId: id, text: 'still here?' })).toMatchObject({ ok: false });
    const carolReply = await carol.core.router.request('messages.send', { conversationId: id, text: 'carol here' });
    expect(carolReply).toMatchObject({ ok: true });
    await expect.poll(() => texts(alice, id), { timeout: 15_000 }).toContain('carol here');
    expect(await texts(bob, id)).not.toContain('carol here');
  });
});
