import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('one2one');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
}

describe('1:1 conversations', () => {
  it('keeps one conversation per pair, named after the other person, with messages both ways', async () => {
    const [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    const aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice Moss');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob Lichen');

    const opened = await alice.core.router.request('conversations.openOneToOne', { user: { id: bobUser.id, domain: bobUser.domain } });
    expect(opened).toMatchObject({ ok: true, value: { kind: 'one-to-one', name: 'Bob Lichen', memberCount: 2 } });
    if (!opened.ok) return;
    const id = opened.value.id;
    const again = await alice.core.router.request('conversations.openOneToOne', { user: { id: bobUser.id, domain: bobUser.domain } });
    expect(again).toMatchObject({ ok: true, value: { id } });

    await alice.core.router.request('messages.send', { conversationId: id, text: 'just us' });
    await expect
      .poll(async () => {
        const list = await bob.core.router.request('conversations.list', {});
        return list.ok ? list.value.conversations.map((c) => ({ id: c.id, name: c.name })) : [];
      }, { timeout: 15_000 })
      .toEqual([{ id, name: 'Alice Moss' }]);
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toEqual(['just us']);

    // Bob "starting" a chat with Alice lands in the same conversation.
    const fromBob = await bob.core.router.request('conversations.openOneToOne', { user: { id: aliceUser.id, domain: aliceUser.domain } });
    expect(fromBob).toMatchObject({ ok: true, value: { id } });
    await bob.core.router.request('messages.send', { conversationId: id, text: 'indeed' });
    await expect.poll(() => texts(alice, id), { timeout: 15_000 }).toEqual(['just us', 'indeed']);
  });
});
