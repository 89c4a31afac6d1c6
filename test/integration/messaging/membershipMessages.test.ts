import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('member-lines');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function systemLines(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'system' && m.id.startsWith('system-members-')).map((m) => m.text ?? '') : [];
}

async function groupUsers(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('conversations.devices', { conversationId });
  return result.ok ? [...new Set(result.value.devices.map((d) => d.userName ?? d.user))].sort() : [];
}

describe('membership changes in the history', () => {
  it('tells every member who added, removed or left, once, from the commit that did it', async () => {
    const [alice, bob, carol, dan] = startCores(env.root, cores, 'alice', 'bob', 'carol', 'dan');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
    const danUser = await registerThroughCore(dan, env.server, env.root, 'dan@example.test', 'Dan');

    const created = await alice.core.router.request('conversations.create', { name: 'Ridge', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    await expect.poll(() => groupUsers(bob, id), { timeout: 15_000 }).toEqual(['Alice', 'Bob']);
    // Creating the conversation is not a change to announce.
    expect(await systemLines(alice, id)).toEqual([]);
    expect(await systemLines(bob, id)).toEqual([]);

    const added = await alice.core.router.request('conversations.addMembers', {
      conversationId: id,
      members: [
        { id: carolUser.id, domain: carolUser.domain },
        { id: danUser.id, domain: danUser.domain },
      ],
    });
    expect(added).toMatchObject({ ok: true });
    expect(await systemLines(alice, id)).toEqual(['You added Carol and Dan.']);
    await expect.poll(() => systemLines(bob, id), { timeout: 15_000 }).toEqual(['Alice added Carol and Dan.']);
    await expect.poll(() => systemLines(carol, id), { timeout: 15_000 }).toEqual(['You were added to this conversation.']);
    await expect.poll(() => systemLines(dan, id), { timeout: 15_000 }).toEqual(['You were added to this conversation.']);

    const removed = await alice.core.router.request('conversations.removeMember', { conversationId: id, member: { id: bobUser.id, domain: bobUser.domain } });
    expect(removed).toMatchObject({ ok: true });
    expect((await systemLines(alice, id)).at(-1)).toBe('You removed Bob.');
    await expect.poll(async () => (await systemLines(carol, id)).at(-1), { timeout: 15_000 }).toBe('Alice removed Bob.');
    await expect.poll(async () => (await systemLines(bob, id)).at(-1), { timeout: 15_000 }).toBe('Alice removed you.');

    // Carol leaves: the others' devices commit the removal of hers, and the line says she left.
    const left = await carol.core.router.request('conversations.leave', { conversationId: id });
    expect(left).toMatchObject({ ok: true, value: { left: true } });
    expect((await systemLines(carol, id)).at(-1)).toBe('You left.');
    await expect.poll(() => groupUsers(alice, id), { timeout: 20_000 }).toEqual(['Alice', 'Dan']);
    await expect.poll(() => groupUsers(dan, id), { timeout: 20_000 }).toEqual(['Alice', 'Dan']);
    await expect.poll(async () => (await systemLines(alice, id)).at(-1), { timeout: 15_000 }).toBe('Carol left.');
    await expect.poll(async () => (await systemLines(dan, id)).at(-1), { timeout: 15_000 }).toBe('Carol left.');

    // Once each, on every device, in order.
    expect(await systemLines(alice, id)).toEqual(['You added Carol and Dan.', 'You removed Bob.', 'Carol left.']);
    expect(await systemLines(dan, id)).toEqual(['You were added to this conversation.', 'Alice removed Bob.', 'Carol left.']);
    expect(await systemLines(bob, id)).toEqual(['Alice added Carol and Dan.', 'Alice removed you.']);
    expect(await systemLines(carol, id)).toEqual(['You were added to this conversation.', 'Alice removed Bob.', 'You left.']);

    // Every commit here was legitimate: no device refused one (commitRules.ts), not even the
    // devices it removed.
    for (const o of [alice, bob, carol, dan]) {
      const all = await o.core.router.request('messages.list', { conversationId: id, limit: 100 });
      expect(all.ok && all.value.messages.filter((m) => m.id.startsWith('system-refused-')).map((m) => m.text)).toEqual([]);
    }

    // Carol reads nothing sent after she left.
    const after = await dan.core.router.request('messages.send', { conversationId: id, text: 'after carol left' });
    expect(after).toMatchObject({ ok: true });
    await expect
      .poll(async () => {
        const list = await alice.core.router.request('messages.list', { conversationId: id, limit: 100 });
        return list.ok ? list.value.messages.map((m) => m.text) : [];
      }, { timeout: 15_000 })
      .toContain('after carol left');
    const carolList = await carol.core.router.request('messages.list', { conversationId: id, limit: 100 });
    expect(carolList.ok && carolList.value.messages.map((m) => m.text)).not.toContain('after carol left');
  });
});
