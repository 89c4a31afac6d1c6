/**
 * TURN with the real coturn: the credentials the server mints (through a real core's
 * `calls.config`) let Chromium allocate relay candidates; a wrong secret or an expired username
 * gets none; two peer connections in one page connect through the relay only.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { IceConfig } from '../../../electron/core/ipc/contract';
import { turnPassword } from '../../../server/turn/credentials';
import { launchChromium } from '../../host/chromium';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('turn-relay', { coturn: true });
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [alice] = startCores(env.root, cores, 'alice');
  await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  browser = await launchChromium();
  page = await browser.newPage();
  await page.addScriptTag({ path: fileURLToPath(new URL('../../fixtures/calls/relayPage.js', import.meta.url)) });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(cores.map((c) => c.core.close()));
});

async function iceConfig(): Promise<IceConfig> {
  const result = await alice.core.router.request('calls.config', {});
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

const GatheredSchema = z.object({ types: z.array(z.string()), state: z.string(), ms: z.number() });
const ConnectedSchema = z.object({
  text: z.string(),
  ms: z.number(),
  selected: z.object({ local: z.string(), remote: z.string() }),
  candidates: z.array(z.string()),
});

/** The candidate types one peer connection with `config` gathers (test/fixtures/calls/relayPage.js). */
async function gather(config: IceConfig): Promise<z.infer<typeof GatheredSchema>> {
  return GatheredSchema.parse(await page.evaluate(`window.cairnRelay.gather(${JSON.stringify(config)}, 10000)`));
}

describe('TURN relay through coturn', () => {
  it("hands out the server's coturn, and relay-only ICE once 'Always relay calls' is on", async () => {
    const before = await iceConfig();
    expect(before.iceTransportPolicy).toBe('all');
    expect(before.iceServers.map((s) => s.urls)).toEqual([[...env.coturn.urls]]);
    const set = await alice.core.router.request('preferences.set', { 'calls.alwaysRelay': true });
    expect(set.ok).toBe(true);
    const after = await iceConfig();
    expect(after.iceTransportPolicy).toBe('relay');
    // Kept until its ttl: the same credential, not a new one per request.
    expect(after.iceServers).toEqual(before.iceServers);
  });

  it("gathers relay candidates with the server's credential, and none with a wrong secret or an expired username", async () => {
    const config = await iceConfig();
    const good = await gather(config);
    if (process.env.CAIRN_TEST_LOG === '1') console.log(`relay gathering: ${good.ms} ms`);
    expect(good.state).toBe('complete');
    expect(good.types.length).toBeGreaterThan(0);
    expect(new Set(good.types)).toEqual(new Set(['relay']));

    const [server] = config.iceServers;
    if (server === undefined) throw new Error('no ICE server');
    const wrongSecret = { ...config, iceServers: [{ ...server, credential: turnPassword('not the shared secret', server.username) }] };
    expect((await gather(wrongSecret)).types).toEqual([]);

    // Signed with the right secret, but its expiry (before the ':') has passed: coturn refuses it.
    const expiredName = `${Math.floor(Date.now() / 1000) - 60}:${server.username.split(':')[1] ?? 'label'}`;
    const expired = { ...config, iceServers: [{ ...server, username: expiredName, credential: turnPassword(env.coturn.secret, expiredName) }] };
    expect((await gather(expired)).types).toEqual([]);
    // Refused by coturn's check of the credential, not lost on the way: its log names both.
    const refusals = async (): Promise<string> => (await readFile(env.coturn.logFile, 'utf8')).split('\n').filter((line) => line.includes('Cannot find credentials')).join('\n');
    await expect.poll(refusals, { timeout: 5_000 }).toContain(`<${server.username}>`);
    await expect.poll(refusals, { timeout: 5_000 }).toContain(`<${expiredName}>`);
  });

  it('connects two peer connections through the relay only (selected pair relay/relay)', async () => {
    const config = await iceConfig();
    expect(config.iceTransportPolicy).toBe('relay');
    const pair = ConnectedSchema.parse(await page.evaluate(`window.cairnRelay.connect(${JSON.stringify(config)}, 20000)`));
    if (process.env.CAIRN_TEST_LOG === '1') console.log(`relay-only connection: ${pair.ms} ms`);
    expect(pair.text).toBe('through the relay');
    expect(pair.selected).toEqual({ local: 'relay', remote: 'relay' });
    expect(new Set(pair.candidates)).toEqual(new Set(['relay']));
  });
});
