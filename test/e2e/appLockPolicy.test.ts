import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { KeytarVault } from '../../electron/core/vault/keytarVault';
import { bridgeRequest, signUpThroughBridge } from './support/signUp';

const PASSCODE = 'Quiet-Stone-42';

// The lock starts off with the DB key in the OS keychain, so this test needs a Secret Service
// (see appLock.test.ts): under CAIRN_REQUIRE_KEYCHAIN=1 a missing keychain fails, else it skips.
const keychain = await new KeytarVault({ service: 'Cairn-e2e', account: 'probe' }).availability();
if (!keychain.available && process.env.CAIRN_REQUIRE_KEYCHAIN === '1') {
  throw new Error(`CAIRN_REQUIRE_KEYCHAIN=1 but no keychain is reachable: ${keychain.reason}`);
}
const KEYCHAIN_PROFILE = { kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } };

const env = useTestServer('e2e-lock-policy');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

/** Axe in both themes: contrast differs between them. */
async function accessibleInBothThemes(page: Page): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await seriousA11yViolations(page), colorScheme).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe.skipIf(!keychain.available)('app lock required by the server (needs a Secret Service)', () => {
  it('asks for a passcode before anything else, then keeps the lock on and offers only the allowed times', async () => {
    // The administrator requires the lock, at most 5 minutes without use.
    await writeFile(path.join(env.serverDir, 'policy.json'), JSON.stringify({ appLock: { enforced: true, inactivityTimeoutSecs: 300 } }));
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'ria'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
      store: KEYCHAIN_PROFILE,
    });
    const { page } = client;
    await expect.poll(() => page.getByLabel('Server address').isVisible()).toBe(true);
    await signUpThroughBridge(page, env.server, env.root, 'ria@example.test', 'Ria Basalt');

    const required = page.getByRole('heading', { name: 'Your organisation requires a passcode' });
    await expect.poll(() => required.isVisible(), { timeout: 15_000 }).toBe(true);
    // Nothing of the account shows until the passcode is chosen.
    expect(await page.getByTestId('signed-in-name').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Settings' }).count()).toBe(0);
    expect((await page.textContent('body')) ?? '').toContain('at most 5 minutes without use');
    await accessibleInBothThemes(page);
    await client.screenshots('app-lock-required');

    await page.getByLabel('Passcode', { exact: true }).fill('weak');
    await page.getByLabel('Repeat the passcode').fill('weak');
    await page.getByRole('button', { name: 'Turn on the app lock and continue' }).click();
    expect(await required.isVisible()).toBe(true);
    await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
    await page.getByLabel('Repeat the passcode').fill(PASSCODE);
    await page.getByRole('button', { name: 'Turn on the app lock and continue' }).click();
    // Turning the lock on runs Argon2id.
    await expect.poll(() => page.getByTestId('signed-in-name').textContent(), { timeout: 15_000 }).toBe('Ria Basalt');

    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('app-lock-status').textContent()).toBe('The app lock is on.');
    expect(await page.getByTestId('app-lock-policy').textContent()).toContain('Required by your organisation (server policy).');
    const options = await page.getByLabel('Lock after').locator('option').allTextContents();
    expect(options).toEqual(['1 minute without use', '5 minutes without use']);
    expect(await page.getByLabel('Lock after').inputValue()).toBe('300');
    expect(await page.getByRole('button', { name: 'Turn off the app lock' }).count()).toBe(0);
    await page.getByTestId('app-lock-policy').scrollIntoViewIfNeeded();
    await accessibleInBothThemes(page);
    await client.screenshots('settings-app-lock-enforced');

    // The core refuses as well, whatever asks it.
    expect(await bridgeRequest(page, 'appLock.disable', { passcode: PASSCODE })).toMatchObject({ ok: false, error: { code: 'app-lock-enforced' } });
    expect(await bridgeRequest(page, 'appLock.setAutoLock', { seconds: 0 })).toMatchObject({ ok: false, error: { code: 'app-lock-timeout-too-long' } });
    await page.getByLabel('Lock after').selectOption('60');
    await expect.poll(async () => (await bridgeRequest(page, 'appLock.status', {})).value).toMatchObject({ autoLockSeconds: 60 });
    await client.close();
  });
});
