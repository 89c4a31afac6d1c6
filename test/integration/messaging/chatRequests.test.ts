import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { eventsOf, registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('chat-requests');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
}

async function pending(o: ObservedCore): Promise<string[]> {
  const result = await o.core.router.request('chatRequests.list', {});
  return result.ok ? result.value.requests.map((r) => r.requester.name) : [];
}

describe('chat requests by e-mail between real cores', () => {
  it('lets Alice reach Bob by address: Bob is told, accepts, and both are in one 1:1 conversation that carries messages', async () => {
    const [alice, bob, eve] = startCores(env.root, cores, 'alice', 'bob', 'eve');
    const aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice Moss');
    await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob Lichen');
    await registerThroughCore(eve, env.server, env.root, 'eve@example.test', 'Eve Fern');

    // Search by address finds nobody: the address is reached by a request.
    expect(await alice.core.router.request('users.search', { query: 'bob@example.test' })).toEqual({ ok: true, value: { users: [] } });
    expect(await alice.core.router.request('chatRequests.send', { email: 'bob@example.test' })).toEqual({ ok: true, value: {} });

    await expect.poll(() => eventsOf(bob, 'chatRequest.received'), { timeout: 15_000 }).toEqual([
      expect.objectContaining({ requester: { id: aliceUser.id, domain: aliceUser.domain, name: 'Alice Moss', handle: null } }),
    ]);
    const listed = await bob.core.router.request('chatRequests.list', {});
    if (!listed.ok) throw new Error(listed.error.message);
    const [request] = listed.value.requests;
    if (request === undefined) throw new Error('no request listed');

    // Only Bob may answer it.
    const byEve = await eve.core.router.request('chatRequests.accept', { id: request.id });
    expect(byEve).toMatchObject({ ok: false, error: { code: 'chat-request-not-found' } });

    const accepted = await bob.core.router.request('chatRequests.accept', { id: request.id });
    expect(accepted).toMatchObject({ ok: true, value: { kind: 'one-to-one', name: 'Alice Moss', memberCount: 2 } });
    if (!accepted.ok) return;
    const id = accepted.value.id;
    expect(await pending(bob)).toEqual([]);

    await expect.poll(() => eventsOf(alice, 'chatRequest.accepted'), { timeout: 15_000 }).toEqual([expect.objectContaining({ user: expect.objectContaining({ name: 'Bob Lichen' }) })]);
    await expect
      .poll(async () => {
        const list = await alice.core.router.request('conversations.list', {});
        return list.ok ? list.value.conversations.map((c) => ({ id: c.id, name: c.name })) : [];
      }, { timeout: 15_000 })
      .toEqual([{ id, name: 'Bob Lichen' }]);
    await bob.core.router.request('messages.send', { conversationId: id, text: 'hello Alice' });
    await expect.poll(() => texts(alice, id), { timeout: 15_000 }).toEqual(['hello Alice']);
    await alice.core.router.request('messages.send', { conversationId: id, text: 'hi Bob' });
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toEqual(['hello Alice', 'hi Bob']);
    // Now they know each other, search answers Bob's address for Alice (and still not for Eve).
    expect(await alice.core.router.request('users.search', { query: 'bob@example.test' })).toMatchObject({ ok: true, value: { users: [{ name: 'Bob Lichen' }] } });
    expect(await eve.core.router.request('users.search', { query: 'bob@example.test' })).toEqual({ ok: true, value: { users: [] } });
  });

  it('ignoring leaves the requester nothing to learn', async () => {
    const [carol, dan] = startCores(env.root, cores, 'carol', 'dan');
    await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol Reed');
    await registerThroughCore(dan, env.server, env.root, 'dan@example.test', 'Dan Birch');
    const toStranger = await carol.core.router.request('chatRequests.send', { email: 'nobody@example.test' });
    const toDan = await carol.core.router.request('chatRequests.send', { email: 'dan@example.test' });
    expect(toDan).toEqual(toStranger);
    await expect.poll(() => pending(dan), { timeout: 15_000 }).toEqual(['Carol Reed']);
    const listed = await dan.core.router.request('chatRequests.list', {});
    const id = listed.ok ? listed.value.requests[0]?.id : undefined;
    if (id === undefined) throw new Error('no request listed');
    expect(await dan.core.router.request('chatRequests.ignore', { id })).toEqual({ ok: true, value: {} });
    expect(await pending(dan)).toEqual([]);
    // Carol's core was told nothing, and has no conversation.
    const carolsEvents = carol.events.map((e) => e.event).filter((name) => name.startsWith('chatRequest.'));
    expect(carolsEvents).toEqual([]);
    expect(await carol.core.router.request('conversations.list', {})).toMatchObject({ ok: true, value: { conversations: [] } });
  });
});
