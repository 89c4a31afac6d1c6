/**
 * Our prekeys through the real server: what `clientRegistrationPrekeys` and `serverPrekey`
 * produce is what `POST /clients` and `POST /clients/{c}/prekeys` accept, a claimed prekey starts
 * a session the owner can read, the last-resort prekey keeps a drained device reachable, and
 * `planPrekeyRefill` brings the server back to 100 unused prekeys (seed 002).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimedPrekeySchema, PrekeyCountSchema } from '../../../protocol';
import { planPrekeyRefill } from '../../../electron/core/crypto/proteus/prekeys';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import { field } from '../server/support/api';
import type { TestServer } from '../server/support/server';
import { startTestServer } from '../server/support/server';
import type { TestUser } from '../server/support/users';
import { login, registerUser } from '../server/support/users';
import { TestDevice, value } from '../../unit/proteus/proteusTestClient';

let proteus: ProteusApi;
let t: TestServer;

beforeAll(async () => {
  proteus = await loadProteus();
  // Ada drains Bob's prekeys on purpose: the per-target claim limit (20 per claimer and target
  // in 10 minutes, tested in hardening.test.ts) would stop her at 20.
  t = await startTestServer({ rateRules: { 'key-claim-target': { limit: 1000, windowMs: 600_000 } } });
});
afterAll(async () => t.stop());

type Registered = Readonly<{ user: TestUser; clientId: string; device: TestDevice; nextStartId: number }>;

/** Registers a user and one device whose prekeys come from our Proteus, as the core will. */
async function registerDevice(name: string): Promise<Registered> {
  const user = await login(t.api, await registerUser(t.api, t.dataDir, name));
  const device = new TestDevice(proteus);
  const plan = planPrekeyRefill(0, 0);
  const prekeys = value(proteus.generatePrekeys(plan.startId, plan.count));
  const lastResort = value(proteus.generateLastResortPrekey());
  for (const prekey of [...prekeys, lastResort]) device.prekeys.set(prekey.id, prekey);
  const registration = value(proteus.clientRegistrationPrekeys(device.identity, prekeys, lastResort));
  const created = await t.api.post('/clients', {
    token: user.token,
    body: { password: user.password, type: 'permanent', class: 'desktop', ...registration },
  });
  expect(created.status, created.raw.toString()).toBe(201);
  return { user, clientId: field(created, 'id'), device, nextStartId: plan.nextStartId };
}

async function claim(by: Registered, of: Registered) {
  const response = await t.api.post(`/users/cairn.test/${of.user.id}/clients/${of.clientId}/prekey`, { token: by.user.token });
  expect(response.status, response.raw.toString()).toBe(200);
  return ClaimedPrekeySchema.parse(response.body).prekey;
}

async function unusedOnServer(device: Registered): Promise<number> {
  const response = await t.api.get(`/clients/${device.clientId}/prekeys/count`, { token: device.user.token });
  return PrekeyCountSchema.parse(response.body).count;
}

describe('Proteus prekeys through the real server', () => {
  it('registers a device with 100 prekeys and a last resort, and a claimed prekey starts a session its owner reads', async () => {
    const ada = await registerDevice('Ada');
    const bob = await registerDevice('Bob');
    expect(await unusedOnServer(bob)).toBe(100);

    const claimed = await claim(ada, bob);
    ada.device.connect('bob', claimed);
    expect(bob.device.receive('ada', ada.device.send('bob', 'hello through the server'))).toEqual({
      ok: true,
      value: 'hello through the server',
    });
    expect(bob.device.consumed).toEqual([claimed.id]);
    expect(ada.device.receive('bob', bob.device.send('ada', 'hello back'))).toEqual({ ok: true, value: 'hello back' });
    expect(await unusedOnServer(bob)).toBe(99);
  });

  it('keeps a drained device reachable through its last-resort prekey and refills it to 100', async () => {
    const bob = await registerDevice('Bob');
    const ada = await registerDevice('Ada');
    for (let i = 0; i < 100; i++) await claim(ada, bob);
    expect(await unusedOnServer(bob)).toBe(0);

    for (const name of ['carol', 'dave']) {
      const peer = await registerDevice(name);
      const lastResort = await claim(peer, bob);
      expect(lastResort.id).toBe(65535);
      peer.device.connect('bob', lastResort);
      expect(bob.device.receive(name, peer.device.send('bob', `hi from ${name}`))).toEqual({ ok: true, value: `hi from ${name}` });
    }
    expect(bob.device.consumed).toEqual([]);

    const plan = planPrekeyRefill(await unusedOnServer(bob), bob.nextStartId);
    expect(plan).toEqual({ count: 100, startId: 100, nextStartId: 200 });
    const fresh = value(proteus.generatePrekeys(plan.startId, plan.count));
    for (const prekey of fresh) bob.device.prekeys.set(prekey.id, prekey);
    const uploaded = await t.api.post(`/clients/${bob.clientId}/prekeys`, {
      token: bob.user.token,
      body: { prekeys: fresh.map((prekey) => value(proteus.serverPrekey(bob.device.identity, prekey))) },
    });
    expect(uploaded.status, uploaded.raw.toString()).toBe(200);
    expect(await unusedOnServer(bob)).toBe(100);

    const next = await claim(ada, bob);
    expect(next.id).toBe(100);
    ada.device.connect('bob', next);
    expect(bob.device.receive('ada', ada.device.send('bob', 'after the refill'))).toEqual({ ok: true, value: 'after the refill' });
    expect(bob.device.consumed).toEqual([100]);
  });
});
