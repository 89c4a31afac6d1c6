import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { startServer } from '../../server/server';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient, TestHost } from '../host/testHost';
import { startTestHost } from '../host/testHost';
import { addDevice, TEST_PASSWORD } from '../support/serverAccounts';
import { signUpThroughBridge } from './support/signUp';

let host: TestHost;
let server: RunningServer;
let root: string;
let client: TestClient;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-e2e-devices-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
  host = await startTestHost({ headers: RENDERER_HEADERS });
  client = await host.launch({ dataDir: path.join(root, 'pia'), defaultServer: { url: server.url, pins: [server.pin] } });
  await client.page.getByLabel('Server address').waitFor();
  await signUpThroughBridge(client.page, server, root, 'pia@example.test', 'Pia Flint');
  await client.page.getByTestId('signed-in-name').waitFor();
});

afterAll(async () => {
  await host?.close();
  await server?.close().catch(() => undefined);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('devices', () => {
  it('tells the user at once when a new device joins the account', async () => {
    const { page } = client;
    await addDevice(server, 'pia@example.test', 'Unknown laptop');
    await expect.poll(() => page.getByTestId('device-notice').textContent(), { timeout: 10_000 }).toContain(
      'A new device was added to your account: Unknown laptop.',
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshot('home-new-device-light');
  });

  it('lists the devices with this computer first and its fingerprint, and removes another with the password', async () => {
    const { page } = client;
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('device-row').count()).toBe(2);
    const first = page.getByTestId('device-row').first();
    expect(await first.textContent()).toContain('This computer');
    expect(await first.textContent()).toMatch(/Fingerprint [0-9a-f]{8}( [0-9a-f]{8}){7}/);
    await client.screenshot('settings-devices-light');

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
    await server.close();
    await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 15_000 }).toBe('offline');
    expect(await page.locator('[data-connection]').textContent()).toContain('Offline.');
    await client.screenshot('home-offline-light');
  });
});
