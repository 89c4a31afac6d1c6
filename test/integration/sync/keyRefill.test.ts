import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCore } from '../../support/cores';
import { registerAccount, registerDevice } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

// One claimer drains Bob's keys on purpose here: the server's per-target claim limit (20 per
// claimer and target in 10 minutes, tested in hardening.test.ts) would stop it at 20.
const env = useTestServer('refill', { rateRules: { 'key-claim-target': { limit: 1000, windowMs: 600_000 } } });
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function stock(o: ObservedCore): Promise<unknown> {
  const result = await o.core.router.request('device.keyStock', {});
  return result.ok ? result.value : result.error.code;
}

describe('key refill', () => {
  it('tops key packages and prekeys back up to 100 when others have claimed them', async () => {
    let bob = startCore(env.root, 'bob');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    await expect.poll(() => stock(bob), { timeout: 10_000 }).toEqual({ keyPackages: 100, prekeys: 100 });
    await bob.core.close();

    // Someone else claims 60 of each while Bob's computer is off.
    const claimer = await registerAccount(env.server, env.serverDir, 'claimer@example.test', 'Claimer');
    await registerDevice(claimer, 'claimer laptop');
    for (let i = 0; i < 60; i++) {
      const { keyPackages } = await claimer.call('claimKeyPackages', {
        params: { domain: bobUser.domain, id: bobUser.id },
        query: { ciphersuite: 1 },
      });
      expect(keyPackages).toHaveLength(1);
      await claimer.call('claimPrekey', { params: { domain: bobUser.domain, id: bobUser.id, client: bobUser.clientId } });
    }

    bob = startCore(env.root, 'bob');
    cores.push(bob);
    expect(await stock(bob)).toEqual({ keyPackages: 40, prekeys: 40 });
    await bob.core.router.request('account.status', {});
    await expect.poll(() => stock(bob), { timeout: 15_000 }).toEqual({ keyPackages: 100, prekeys: 100 });
  });
});
