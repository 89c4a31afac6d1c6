/**
 * "Forgot password?" on the sign-in screen (issue 17, defect 10): a reset code by e-mail, a new
 * password, and signing in with it, through the real core and server.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { mailedCode } from '../support/outbox';
import { TEST_PASSWORD } from '../support/serverAccounts';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, signUpThroughBridge } from './support/signUp';

const env = useTestServer('e2e-password-reset');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

const NEW_PASSWORD = 'Granite-Path-77!';

describe('forgot password', () => {
  it('mails a reset code, sets a new password with it, and signs in with the new password', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'ines'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
    });
    const { page } = client;
    await page.getByLabel('Server address').waitFor();
    await signUpThroughBridge(page, env.server, env.root, 'ines@example.test', 'Ines Moraine');
    await page.getByTestId('signed-in-name').waitFor();
    const signedOut = await bridgeRequest(page, 'account.logout', {});
    expect(signedOut.ok).toBe(true);
    await page.reload();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByLabel('E-mail address').fill('ines@example.test');

    await page.getByRole('button', { name: 'Forgot password?' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Reset your password' }).isVisible()).toBe(true);
    // The address typed on the sign-in form comes along.
    expect(await page.getByLabel('E-mail address').inputValue()).toBe('ines@example.test');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('password-reset-email');
    await page.getByRole('button', { name: 'Send reset code' }).click();
    await expect.poll(() => page.getByText('If an account uses ines@example.test, a reset code is on its way', { exact: false }).isVisible()).toBe(true);
    const resetCode = await mailedCode(path.join(env.root, 'server'), 'ines@example.test');
    expect(resetCode).toMatch(/^[A-Za-z0-9_-]{43}:[A-Za-z0-9_-]+$/);

    // Half a code is refused in plain words; the form keeps what was typed.
    await page.getByLabel('Reset code').fill(resetCode.split(':')[1] ?? '');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.getByRole('alert').getAttribute('data-error-code')).toBe('account-reset-code-malformed');
    expect(await page.getByLabel('New password').inputValue()).toBe(NEW_PASSWORD);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('password-reset-code');

    await page.getByLabel('Reset code').fill(`  ${resetCode} `);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.getByText('Your password is changed', { exact: false }).isVisible()).toBe(true);
    expect(await page.getByLabel('E-mail address').inputValue()).toBe('ines@example.test');
    await client.screenshots('password-reset-done');

    // The old password no longer works; the new one does.
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').getAttribute('data-error-code'), { timeout: 15_000 }).toBeTruthy();
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByTestId('signed-in-name').textContent(), { timeout: 15_000 }).toBe('Ines Moraine');
    await client.close();
  });
});
