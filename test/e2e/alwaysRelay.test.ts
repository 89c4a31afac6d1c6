/**
 * "Always relay calls" end to end: the user turns it on in Privacy settings, the page's
 * `calls.config` then asks for relay-only ICE with the server's coturn, and Chromium in the app's
 * own page gathers relay candidates only through that coturn.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-always-relay', { coturn: true });
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let ada: TestClient;

const IceConfig = z.object({
  iceServers: z.array(z.object({ urls: z.array(z.string()), username: z.string(), credential: z.string() })),
  iceTransportPolicy: z.enum(['all', 'relay']),
});
const Gathered = z.object({ types: z.array(z.string()), state: z.string() });
const RELAY_PAGE = fileURLToPath(new URL('../fixtures/calls/relayPage.js', import.meta.url));

async function call(channel: string, payload: unknown): Promise<unknown> {
  const result = await bridgeRequest(ada.page, channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${result.error?.message ?? 'failed'}`);
  return result.value;
}

beforeAll(async () => {
  ada = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'ada', email: 'ada@example.test', name: 'Ada Fern' });
});

describe('Always relay calls', () => {
  it('is off by default; turned on in Privacy settings, calls gather relay candidates only, through the server\'s coturn', async () => {
    const page = ada.page;
    expect(IceConfig.parse(await call('calls.config', {})).iceTransportPolicy).toBe('all');
    await page.getByRole('button', { name: 'Settings' }).click();
    const toggle = page.getByLabel('Always relay calls');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await expect.poll(async () => call('preferences.get', {})).toMatchObject({ 'calls.alwaysRelay': true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await ada.screenshots('settings-always-relay');

    const config = IceConfig.parse(await call('calls.config', {}));
    expect(config.iceTransportPolicy).toBe('relay');
    expect(config.iceServers.map((server) => server.urls)).toEqual([[...env.coturn.urls]]);
    await page.evaluate(await readFile(RELAY_PAGE, 'utf8'));
    const gathered = Gathered.parse(await page.evaluate(`window.cairnRelay.gather(${JSON.stringify(config)}, 10000)`));
    expect(gathered.types.length).toBeGreaterThan(0);
    expect(new Set(gathered.types)).toEqual(new Set(['relay']));

    await toggle.uncheck();
    await expect.poll(async () => IceConfig.parse(await call('calls.config', {})).iceTransportPolicy).toBe('all');
  });
});
