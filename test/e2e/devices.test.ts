import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { addDevice, TEST_PASSWORD } from '../support/serverAccounts';
import { signUpThroughBridge } from './support/signUp';

const env = useTestServer('e2e-devices');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let client: TestClient;

beforeAll(async () => {
  client = await hostEnv.host.launch({ dataDir: path.join(env.root, 'pia'), defaultServer: { url: env.server.url, pins: [env.server.pin] } });
  await client.page.getByLabel('Server address').waitFor();
  await signUpThroughBridge(client.page, env.server, env.root, 'pia@example.test', 'Pia Flint');
  await client.page.getByTestId('signed-in-name').waitFor();
});

describe('devices', () => {
  it('tells the user at once when a new device joins the account', async () => {
    const { page } = client;
    await addDevice(env.server, 'pia@example.test', 'Unknown laptop');
    await expect.poll(() => page.getByTestId('device-notice').textContent(), { timeout: 10_000 }).toContain(
      'A new device was added to your account: Unknown laptop.',
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('home-new-device');
  });

  it('lists the devices with this computer first and its fingerprint, and removes another with the password', async () => {
    const { page } = client;
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('device-row').count()).toBe(2);
    const first = page.getByTestId('device-row').first();
    expect(await first.textContent()).toContain('This computer');
    expect(await first.textContent()).toMatch(/Proteus fingerprint [0-9a-f]{8}( [0-9a-f]{8}){7}/);
    // The MLS key this computer signs with: what others compare under "Devices and verification".
    expect(await first.getByTestId('mls-fingerprint').textContent()).toMatch(/[0-9a-f]{4}( [0-9a-f]{4}){15}/);
    await page.getByRole('heading', { name: 'Devices' }).scrollIntoViewIfNeeded();
    await client.screenshots('settings-devices');

    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByLabel('Enter your account password to remove Unknown laptop.').fill('Wrong-Password-1');
    await page.getByRole('button', { name: 'Remove device' }).click();
    await expect.poll(() => page.getByRole('alert').getAttribute('data-error-code')).toBe('invalid-credentials');
    await page.getByLabel('Enter your account password to remove Unknown laptop.').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Remove device' }).click();
    await expect.poll(() => page.getByTestId('device-row').count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('says so when the server cannot be reached', async () => {
    const { page } = client;
    await page.getByRole('button', { name: 'Back to conversations' }).click();
    await env.server.close();
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 15_000 }).toBe('offline');
    expect(await page.locator('[data-connection]').textContent()).toContain('Offline.');
    await client.screenshots('home-offline');
  });
});
