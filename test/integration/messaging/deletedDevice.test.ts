import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { useTestServer } from '../../support/testServer';
import { registerThroughCore, signInThroughCore, startCore, startCores } from '../../support/cores';
import { TEST_PASSWORD, apiClient } from '../../support/serverAccounts';

const env = useTestServer('deleteddevice');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
}

/** The client ids of the leaves in a device's MLS group for the conversation, as that device stores them. */
async function groupClients(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('conversations.devices', { conversationId });
  return result.ok ? result.value.devices.map((d) => d.clientId).sort() : [];
}

/** "… was refused because …" lines: a commit this device did not adopt. */
async function refusals(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'system' && m.id.startsWith('system-refused-')).map((m) => m.text ?? '') : [];
}

/**
 * Alice, Bob (phone and laptop) and Carol; Alice (admin) creates a conversation with Bob and one
 * with Bob and Carol, and every device holds both groups with the laptop in them.
 */
async function twoConversations(tag: string) {
  const [alice, bob, carol] = startCores(env.root, cores, `alice${tag}`, `bob${tag}`, `carol${tag}`);
  const aliceUser = await registerThroughCore(alice, env.server, env.root, `alice${tag}@example.test`, 'Alice');
  const bobUser = await registerThroughCore(bob, env.server, env.root, `bob${tag}@example.test`, 'Bob');
  const carolUser = await registerThroughCore(carol, env.server, env.root, `carol${tag}@example.test`, 'Carol');
  const laptop = startCore(env.root, `bob-laptop${tag}`);
  cores.push(laptop);
  const laptopUser = await signInThroughCore(laptop, env.server, `bob${tag}@example.test`);

  const pair = await alice.core.router.request('conversations.create', { name: 'Basecamp', members: [{ id: bobUser.id, domain: bobUser.domain }] });
  if (!pair.ok) throw new Error(pair.error.message);
  const group = await alice.core.router.request('conversations.create', {
    name: 'Ridge',
    members: [
      { id: bobUser.id, domain: bobUser.domain },
      { id: carolUser.id, domain: carolUser.domain },
    ],
  });
  if (!group.ok) throw new Error(group.error.message);
  const everyone = (clients: string[]): string[] => [...clients].sort();
  const pairDevices = everyone([aliceUser.clientId, bobUser.clientId, laptopUser.clientId]);
  const groupDevices = everyone([aliceUser.clientId, bobUser.clientId, carolUser.clientId, laptopUser.clientId]);
  for (const o of [alice, bob, laptop]) await expect.poll(() => groupClients(o, pair.value.id), { timeout: 15_000 }).toEqual(pairDevices);
  for (const o of [alice, bob, carol, laptop]) await expect.poll(() => groupClients(o, group.value.id), { timeout: 15_000 }).toEqual(groupDevices);
  return { alice, bob, carol, laptopUser, pair: pair.value, group: group.value, pairDevices, groupDevices };
}

describe('a device deleted from its account', () => {
  it('is removed from every group it was in by a remaining member, and messages still flow both ways', async () => {
    const { alice, bob, carol, laptopUser, pair, group, pairDevices, groupDevices } = await twoConversations('');
    // Bob deletes his laptop from his phone. The laptop cannot commit its own removal; one of the
    // devices that stay does, and every other device adopts that commit.
    const removed = await bob.core.router.request('account.removeDevice', { id: laptopUser.clientId, password: TEST_PASSWORD });
    expect(removed).toMatchObject({ ok: true });
    const pairAfter = pairDevices.filter((c) => c !== laptopUser.clientId);
    const groupAfter = groupDevices.filter((c) => c !== laptopUser.clientId);
    for (const o of [alice, bob]) await expect.poll(() => groupClients(o, pair.id), { timeout: 10_000 }).toEqual(pairAfter);
    for (const o of [alice, bob, carol]) await expect.poll(() => groupClients(o, group.id), { timeout: 10_000 }).toEqual(groupAfter);

    // The group goes on: messages reach the devices that stay, both ways, in both conversations.
    expect(await alice.core.router.request('messages.send', { conversationId: pair.id, text: 'still there, Bob?' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(bob, pair.id), { timeout: 15_000 }).toContain('still there, Bob?');
    expect(await bob.core.router.request('messages.send', { conversationId: pair.id, text: 'yes, on my phone' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(alice, pair.id), { timeout: 15_000 }).toContain('yes, on my phone');
    expect(await carol.core.router.request('messages.send', { conversationId: group.id, text: 'ridge at dawn' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(alice, group.id), { timeout: 15_000 }).toContain('ridge at dawn');
    await expect.poll(() => texts(bob, group.id), { timeout: 15_000 }).toContain('ridge at dawn');
    expect(await bob.core.router.request('messages.send', { conversationId: group.id, text: 'count me in' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(carol, group.id), { timeout: 15_000 }).toContain('count me in');
    await expect.poll(() => texts(alice, group.id), { timeout: 15_000 }).toContain('count me in');

    // Whoever committed the removal, no device refused it (commitRules.ts rule 7 asks the server
    // whether the laptop is still registered when the committer is not Bob's and not an admin).
    for (const o of [alice, bob, carol]) {
      for (const id of [pair.id, group.id]) expect(await refusals(o, id)).toEqual([]);
    }
  });

  it('is removed by a member who is not an admin and not its owner, and the others adopt that commit and race cleanly when they come back', async () => {
    const { alice, bob, carol, laptopUser, pair, group, pairDevices, groupDevices } = await twoConversations('-2');
    // Alice and Bob are locked (offline): only Carol's device hears of the deletion at once.
    for (const o of [alice, bob]) {
      await o.core.router.request('appLock.enable', { passcode: 'Quiet-Stone-42' });
      await o.core.router.request('appLock.lock', {});
    }
    const api = apiClient(env.server);
    const access = await api.call('login', { body: { email: 'bob-2@example.test', password: TEST_PASSWORD } });
    api.session.setToken(access.accessToken, access.expiresIn);
    await api.call('deleteClient', { params: { client: laptopUser.clientId }, body: { password: TEST_PASSWORD } });

    const pairAfter = pairDevices.filter((c) => c !== laptopUser.clientId);
    const groupAfter = groupDevices.filter((c) => c !== laptopUser.clientId);
    await expect.poll(() => groupClients(carol, group.id), { timeout: 10_000 }).toEqual(groupAfter);

    // Back online: both apply Carol's removal (Alice and Bob ask the server whether the laptop is
    // still registered), and both try to remove the laptop from their own conversation at once.
    for (const o of [alice, bob]) {
      await o.core.router.request('appLock.unlock', { passcode: 'Quiet-Stone-42' });
      await o.core.router.request('account.status', {});
    }
    for (const o of [alice, bob]) await expect.poll(() => groupClients(o, group.id), { timeout: 10_000 }).toEqual(groupAfter);
    for (const o of [alice, bob]) await expect.poll(() => groupClients(o, pair.id), { timeout: 10_000 }).toEqual(pairAfter);
    for (const o of [alice, bob, carol]) {
      for (const id of [pair.id, group.id]) expect(await refusals(o, id)).toEqual([]);
    }

    expect(await alice.core.router.request('messages.send', { conversationId: pair.id, text: 'back again' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(bob, pair.id), { timeout: 15_000 }).toContain('back again');
    expect(await bob.core.router.request('messages.send', { conversationId: pair.id, text: 'me too' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(alice, pair.id), { timeout: 15_000 }).toContain('me too');
    expect(await alice.core.router.request('messages.send', { conversationId: group.id, text: 'all here' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(carol, group.id), { timeout: 15_000 }).toContain('all here');
    await expect.poll(() => texts(bob, group.id), { timeout: 15_000 }).toContain('all here');
  });
});
