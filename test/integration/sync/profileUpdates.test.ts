import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { eventsOf, registerThroughCore, signInThroughCore, startCores } from '../../support/cores';
import { apiClient, TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('profile-updates');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function members(o: ObservedCore, conversationId: string) {
  const result = await o.core.router.request('conversations.members', { conversationId });
  return result.ok ? result.value.members : [];
}

async function inConversation(o: ObservedCore, conversationId: string): Promise<boolean> {
  const result = await o.core.router.request('conversations.list', {});
  return result.ok && result.value.conversations.some((c) => c.id === conversationId);
}

function changesOf(o: ObservedCore, conversationId: string): number {
  return eventsOf(o, 'conversation.changed').filter((p) => typeof p === 'object' && p !== null && 'id' in p && p.id === conversationId).length;
}

describe('profile and role changes from the server', () => {
  it("shows a member's new name and role on every other device, and this user's new name on their other device", async () => {
    const [alice, bob, bobLaptop] = startCores(env.root, cores, 'alice', 'bob', 'bob-laptop');
    const aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    await signInThroughCore(bobLaptop, env.server, 'bob@example.test');
    const created = await alice.core.router.request('conversations.create', { name: 'Crew', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    const bobId = `${bobUser.id}@${bobUser.domain}`;
    await expect.poll(() => inConversation(bob, id), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => inConversation(bobLaptop, id), { timeout: 20_000 }).toBe(true);
    expect((await members(alice, id)).find((m) => m.id === bobId)).toEqual({ id: bobId, name: 'Bob', role: 'member' });

    // Bob renames himself on his phone: Alice's member list and Bob's laptop follow, without a restart.
    const aliceChanges = changesOf(alice, id);
    const renamed = await bob.core.router.request('account.updateProfile', { name: 'Robert' });
    expect(renamed).toMatchObject({ ok: true });
    await expect.poll(async () => (await members(alice, id)).find((m) => m.id === bobId)?.name, { timeout: 15_000 }).toBe('Robert');
    expect(changesOf(alice, id)).toBeGreaterThan(aliceChanges);
    await expect.poll(async () => {
      const status = await bobLaptop.core.router.request('account.status', {});
      return status.ok && status.value.state === 'signed-in' ? status.value.user.name : undefined;
    }, { timeout: 15_000 }).toBe('Robert');
    expect(eventsOf(bobLaptop, 'account.changed')).toContainEqual(expect.objectContaining({ state: 'signed-in', user: expect.objectContaining({ name: 'Robert' }) }));

    // Alice (the creator, an admin) makes Bob an admin: both of Bob's devices store the new role.
    const admin = apiClient(env.server);
    const access = await admin.call('login', { body: { email: 'alice@example.test', password: TEST_PASSWORD } });
    admin.session.setToken(access.accessToken, access.expiresIn);
    try {
      const bobChanges = changesOf(bob, id);
      await admin.call('updateRole', { params: { conv: id, domain: bobUser.domain, user: bobUser.id }, body: { role: 'admin' } });
      for (const device of [bob, bobLaptop]) {
        await expect.poll(async () => (await members(device, id)).find((m) => m.id === bobId)?.role, { timeout: 15_000 }).toBe('admin');
      }
      expect(changesOf(bob, id)).toBeGreaterThan(bobChanges);
      expect((await members(bob, id)).find((m) => m.id === `${aliceUser.id}@${aliceUser.domain}`)?.role).toBe('admin');
    } finally {
      admin.close();
    }
  });
});
