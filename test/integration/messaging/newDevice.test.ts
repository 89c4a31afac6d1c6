import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { useTestServer } from '../../support/testServer';
import { registerThroughCore, signInThroughCore, startCore, startCores } from '../../support/cores';

const env = useTestServer('newdevice');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
}

describe('a new device of an existing member', () => {
  it('joins the existing conversations by external commit and reads what is sent from then on', async () => {
    const [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const created = await alice.core.router.request('conversations.create', { name: 'Basecamp', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    await alice.core.router.request('messages.send', { conversationId: id, text: 'before the laptop' });
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toEqual(['before the laptop']);

    const laptop = startCore(env.root, 'bob-laptop');
    cores.push(laptop);
    await signInThroughCore(laptop, env.server, 'bob@example.test');
    await expect
      .poll(async () => {
        const list = await laptop.core.router.request('conversations.list', {});
        return list.ok ? list.value.conversations.map((c) => c.id) : [];
      }, { timeout: 15_000 })
      .toEqual([id]);

    // Alice speaks at once, maybe before her device has seen the laptop's commit: the server
    // refuses a message from the old epoch, her device catches up and sends it again.
    // Messages from before the device existed stay unreadable to it (forward secrecy); new ones arrive.
    await alice.core.router.request('messages.send', { conversationId: id, text: 'hello laptop' });
    await expect.poll(() => texts(laptop, id), { timeout: 15_000 }).toEqual(['hello laptop']);
    const fromLaptop = await laptop.core.router.request('messages.send', { conversationId: id, text: 'sent from the laptop' });
    expect(fromLaptop).toMatchObject({ ok: true });
    await expect.poll(() => texts(alice, id), { timeout: 15_000 }).toContain('sent from the laptop');
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toContain('sent from the laptop');
  });
});
