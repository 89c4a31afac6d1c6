/**
 * `calls.config` through a real core and a real server over pinned TLS: kept until the server's
 * ttl, refused with a plain error when the server's answer is malformed, and "Always relay
 * calls" refused when the server has no TURN server to relay through.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { IceConfig } from '../../../electron/core/ipc/contract';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCore } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const RELAY = ['turn:127.0.0.1:3478?transport=udp'];
const shortTtl = useTestServer('call-config-ttl', { turn: { urls: RELAY, secret: 'shared' }, callConfigTtlSeconds: 3 });
const malformed = useTestServer('call-config-bad', { turn: { urls: ['http://relay.example:3478'], secret: 'shared' } });
const noTurn = useTestServer('call-config-none');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function signedIn(env: typeof noTurn, name: string): Promise<ObservedCore> {
  const o = startCore(env.root, name);
  cores.push(o);
  await registerThroughCore(o, env.server, env.root, `${name}@example.test`, name);
  return o;
}

async function iceConfig(o: ObservedCore): Promise<IceConfig> {
  const result = await o.core.router.request('calls.config', {});
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

const usernameOf = (config: IceConfig): string | undefined => config.iceServers[0]?.username;

describe('calls.config', () => {
  it("keeps the server's answer until its ttl has passed, then fetches a fresh credential", async () => {
    const ada = await signedIn(shortTtl, 'ada');
    const first = await iceConfig(ada);
    expect(first).toMatchObject({ iceTransportPolicy: 'all', iceServers: [{ urls: RELAY }] });
    expect(usernameOf(await iceConfig(ada))).toBe(usernameOf(first));
    await expect.poll(async () => usernameOf(await iceConfig(ada)), { timeout: 15_000, interval: 250 }).not.toBe(usernameOf(first));
  });

  it('refuses a malformed configuration from the server with a plain error', async () => {
    const bea = await signedIn(malformed, 'bea');
    const result = await bea.core.router.request('calls.config', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'calls-config-invalid', message: expect.stringContaining('calls cannot start') } });
  });

  it('connects directly without TURN, and says why "Always relay calls" cannot work then', async () => {
    const cid = await signedIn(noTurn, 'cid');
    expect(await iceConfig(cid)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    expect((await cid.core.router.request('preferences.set', { 'calls.alwaysRelay': true })).ok).toBe(true);
    const result = await cid.core.router.request('calls.config', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'calls-no-relay', message: expect.stringContaining('Always relay calls') } });
  });

  it('relays every call when the machine policy says so, whatever the user chose', async () => {
    const dee = startCore(shortTtl.root, 'dee', { machinePolicy: { calls: { alwaysRelay: true } } });
    cores.push(dee);
    await registerThroughCore(dee, shortTtl.server, shortTtl.root, 'dee@example.test', 'dee');
    expect((await iceConfig(dee)).iceTransportPolicy).toBe('relay');
    expect((await dee.core.router.request('preferences.set', { 'calls.alwaysRelay': false })).ok).toBe(true);
    expect((await iceConfig(dee)).iceTransportPolicy).toBe('relay');
  });

  it('needs a signed-in account', async () => {
    const nobody = startCore(noTurn.root, 'nobody');
    cores.push(nobody);
    expect(await nobody.core.router.request('calls.config', {})).toMatchObject({ ok: false, error: { code: 'account-signed-out' } });
  });
});
