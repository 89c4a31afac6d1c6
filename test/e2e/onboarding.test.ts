import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { mailedCode } from '../support/outbox';

const PASSWORD = 'Granite-Path-7';

const env = useTestServer('e2e-onboarding');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

async function connect(page: Page): Promise<void> {
  await expect.poll(() => page.getByRole('button', { name: 'Connect' }).isVisible()).toBe(true);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect.poll(() => page.getByTestId('server-connected').isVisible()).toBe(true);
}

describe('onboarding', () => {
  it('creates an account with the e-mailed code and lands signed in, also after a restart', async () => {
    const profile = path.join(env.root, 'erin');
    const launch = (colorScheme: 'light' | 'dark') =>
      hostEnv.host.launch({ dataDir: profile, defaultServer: { url: env.server.url, pins: [env.server.pin] }, colorScheme });
    let client = await launch('light');
    const { page } = client;
    await connect(page);
    await page.getByRole('tab', { name: 'Create account' }).click();

    await page.getByLabel('Your name').fill('Erin Stone');
    await page.getByLabel('E-mail address').fill('erin@example.test');
    const password = page.getByLabel('Password', { exact: true });
    await password.fill('weak');
    // The policy is shown live: met rules turn into ticks as the user types.
    await expect.poll(() => page.locator('#create-password-policy li.met').count()).toBe(1);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByText('The password does not meet every rule above yet.').isVisible()).toBe(true);
    await password.fill(PASSWORD);
    await expect.poll(() => page.locator('#create-password-policy li.met').count()).toBe(5);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('onboarding-create-account');
    await page.getByRole('button', { name: 'Create account' }).click();

    await expect.poll(() => page.getByRole('heading', { name: 'Check your e-mail' }).isVisible()).toBe(true);
    const code = await mailedCode(path.join(env.root, 'server'), 'erin@example.test');
    await page.getByLabel('Code').fill(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    await expect.poll(() => page.getByRole('alert').getAttribute('data-error-code')).toBe('invalid-code');
    await client.screenshots('onboarding-code');
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Verify and continue' }).click();

    await expect.poll(() => page.getByTestId('signed-in-name').textContent()).toBe('Erin Stone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('home-empty');
    await client.close();

    // A permanent device stays signed in when the app starts again.
    client = await launch('dark');
    await expect.poll(() => client.page.getByTestId('signed-in-name').textContent()).toBe('Erin Stone');
    expect(await seriousA11yViolations(client.page)).toEqual([]);
    await client.close();
  });

  it('signs out, refuses a wrong password in plain words, and signs in again', async () => {
    const profile = path.join(env.root, 'erin');
    const client = await hostEnv.host.launch({
      dataDir: profile,
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
      colorScheme: 'dark',
    });
    const { page } = client;
    await expect.poll(() => page.getByTestId('signed-in-name').isVisible()).toBe(true);
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign out and erase' }).click();

    await connect(page);
    await page.getByLabel('E-mail address').fill('erin@example.test');
    await page.getByLabel('Password').fill('Wrong-Password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.getAttribute('data-error-code')).toBe('invalid-credentials');
    expect(await alert.textContent()).toContain('The e-mail address or password is wrong.');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('onboarding-sign-in-error');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signed-in-name').textContent()).toBe('Erin Stone');
    await client.close();
  });

  it('asks for a passcode where the computer has no keychain, and keeps the key under it', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'nell'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
      store: { kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 } },
      useKeychain: false,
    });
    const { page } = client;
    await connect(page);
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Your name').fill('Nell Slate');
    await page.getByLabel('E-mail address').fill('nell@example.test');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();

    await expect.poll(() => page.getByTestId('no-keychain').isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('onboarding-no-keychain');
    await page.getByLabel('Passcode', { exact: true }).fill('Slate-Lock-77');
    await page.getByLabel('Repeat the passcode').fill('Slate-Lock-77');
    await page.getByRole('button', { name: 'Use this passcode and continue' }).click();

    await expect.poll(() => page.getByRole('heading', { name: 'Check your e-mail' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await page.getByLabel('Code').fill(await mailedCode(path.join(env.root, 'server'), 'nell@example.test'));
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    await expect.poll(() => page.getByTestId('signed-in-name').textContent()).toBe('Nell Slate');
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByTestId('app-lock-status').textContent()).toBe('The app lock is on.');
    await client.close();
  });
});
