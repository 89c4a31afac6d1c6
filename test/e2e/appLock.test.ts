import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { KeytarVault } from '../../electron/core/vault/keytarVault';
import { bridgeRequest, signUpThroughBridge } from './support/signUp';

const PASSCODE = 'Quiet-Stone-42';

// The app keeps the DB key in the OS keychain until the lock is turned on, so this test needs
// a Secret Service. CI runs under dbus-run-session with gnome-keyring and
// CAIRN_REQUIRE_KEYCHAIN=1, so a missing keychain fails there; elsewhere it is skipped.
const keychain = await new KeytarVault({ service: 'Cairn-e2e', account: 'probe' }).availability();
if (!keychain.available && process.env.CAIRN_REQUIRE_KEYCHAIN === '1') {
  throw new Error(`CAIRN_REQUIRE_KEYCHAIN=1 but no keychain is reachable: ${keychain.reason}`);
}
const KEYCHAIN_PROFILE = { kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } };

const env = useTestServer('e2e-lock');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

describe.skipIf(!keychain.available)('app lock in the UI (needs a Secret Service)', () => {
  it('turns on in settings, locks to a screen that shows nothing of the account, and unlocks with the passcode', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'mia'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
      store: KEYCHAIN_PROFILE,
    });
    const { page } = client;
    await expect.poll(() => page.getByLabel('Server address').isVisible()).toBe(true);
    await signUpThroughBridge(page, env.server, env.root, 'mia@example.test', 'Mia Quartz');
    await expect.poll(() => page.getByTestId('signed-in-name').textContent()).toBe('Mia Quartz');

    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('app-lock-status').textContent()).toBe('The app lock is off.');
    await page.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
    await page.getByLabel('Repeat the passcode').fill('Quiet-Stone-43');
    await page.getByRole('button', { name: 'Turn on the app lock' }).click();
    await expect.poll(() => page.getByText('The two passcodes differ.').isVisible()).toBe(true);
    await page.getByLabel('Repeat the passcode').fill(PASSCODE);
    await page.getByRole('button', { name: 'Turn on the app lock' }).click();
    // Turning the lock on runs Argon2id (about half a second here, more under load).
    await expect.poll(() => page.getByTestId('app-lock-status').textContent(), { timeout: 15_000 }).toBe('The app lock is on.');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('settings-app-lock-on');

    const unlockedCore = client.core.pid();
    await page.getByRole('button', { name: 'Lock now' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Cairn is locked' }).isVisible()).toBe(true);
    // The core that held the key ended; a fresh one serves the lock screen, without an error.
    await expect.poll(() => client.core.pid(), { timeout: 15_000 }).not.toBe(unlockedCore);
    expect(await page.getByRole('alert').count()).toBe(0);
    // The locked page holds nothing about the account.
    const text = (await page.textContent('body')) ?? '';
    expect(text).not.toContain('Mia');
    expect(text).not.toContain('mia@example.test');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('lock-screen');

    await page.getByLabel('Passcode').fill('Wrong-Guess-1');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => page.getByRole('alert').getAttribute('data-error-code'), { timeout: 15_000 }).toBe('app-lock-wrong-passcode');
    await page.getByLabel('Passcode').fill(PASSCODE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => page.getByTestId('signed-in-name').textContent(), { timeout: 15_000 }).toBe('Mia Quartz');
    await client.close();
  });

  it('starts locked after a restart, and explains the way out of a forgotten passcode', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'mia'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
      colorScheme: 'dark',
      store: KEYCHAIN_PROFILE,
    });
    const { page } = client;
    await expect.poll(() => page.getByRole('heading', { name: 'Cairn is locked' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Forgot your passcode?' }).click();
    await expect.poll(() => page.getByText('nobody can reset it', { exact: false }).isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('lock-forgot');
    await page.getByRole('button', { name: 'Erase this device and start over' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Cairn' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel('Server address').isVisible()).toBe(true);
    await client.close();
  });

  it('counts the wait after too many wrong passcodes down in real time and keeps a passcode typed meanwhile (issue 17, defect 7)', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'noor'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
      store: KEYCHAIN_PROFILE,
    });
    const { page } = client;
    await expect.poll(() => page.getByLabel('Server address').isVisible()).toBe(true);
    await signUpThroughBridge(page, env.server, env.root, 'noor@example.test', 'Noor Basalt');
    await expect.poll(() => page.getByTestId('signed-in-name').textContent()).toBe('Noor Basalt');
    const enabled = await bridgeRequest(page, 'appLock.enable', { passcode: PASSCODE });
    expect(enabled.ok).toBe(true);
    await bridgeRequest(page, 'appLock.lock', {});
    await expect.poll(() => page.getByRole('heading', { name: 'Cairn is locked' }).isVisible(), { timeout: 15_000 }).toBe(true);

    const field = page.getByLabel('Passcode');
    const unlock = page.getByRole('button', { name: 'Unlock' });
    const countdown = page.getByTestId('lock-wait');
    // Three free tries, then 1 s, then 2 s of waiting (electron/core/services/appLock.ts).
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await expect.poll(() => unlock.isDisabled(), { timeout: 15_000 }).toBe(true);
      await field.fill(`Wrong-Guess-${attempt}`);
      await expect.poll(() => unlock.isEnabled(), { timeout: 15_000 }).toBe(true);
      await unlock.click();
      await expect.poll(() => field.inputValue(), { timeout: 15_000 }).toBe('');
    }
    await expect.poll(() => countdown.textContent()).toBe('Too many wrong passcodes. You can try again in 2 s.');
    expect(await page.getByRole('alert').textContent()).toContain('The passcode is wrong.');

    // The right passcode typed during the wait stays, Enter asks the core nothing, and the count goes down.
    await field.fill(PASSCODE);
    const unlocksBefore = client.sent.filter((m) => typeof m === 'object' && m !== null && Reflect.get(m, 'channel') === 'appLock.unlock').length;
    await field.press('Enter');
    expect(await field.inputValue()).toBe(PASSCODE);
    await expect.poll(() => countdown.textContent()).toBe('Too many wrong passcodes. You can try again in 1 s.');
    await client.screenshots('lock-wait-countdown');
    expect(client.sent.filter((m) => typeof m === 'object' && m !== null && Reflect.get(m, 'channel') === 'appLock.unlock').length).toBe(unlocksBefore);
    await expect.poll(() => countdown.count(), { timeout: 5_000 }).toBe(0);
    expect(await field.inputValue()).toBe(PASSCODE);
    await unlock.click();
    await expect.poll(() => page.getByTestId('signed-in-name').textContent(), { timeout: 15_000 }).toBe('Noor Basalt');
    await client.close();
  });
});
