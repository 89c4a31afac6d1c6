import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { mailedCode } from '../support/outbox';
import { useTestServer } from '../support/testServer';

const PASSWORD = 'Granite-Path-7';

const env = useTestServer('e2e-sign-up-code');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

async function startSignUp(page: Page, email: string): Promise<void> {
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByTestId('server-connected').waitFor();
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Your name').fill('Erin Stone');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
}

/** A 6-digit code that is not `code`. */
function wrong(code: string, by: number): string {
  return String((Number(code) + by) % 1_000_000).padStart(6, '0');
}

describe('the registration code screen (issue 17, defect 1)', () => {
  it('after four wrong codes and a reload, sends a new code that works', async () => {
    const email = 'erin@example.test';
    const client = await hostEnv.host.launch({ dataDir: path.join(env.root, 'erin'), defaultServer: { url: env.server.url, pins: [env.server.pin] } });
    const { page } = client;
    await startSignUp(page, email);
    const serverDir = path.join(env.root, 'server');
    const first = await mailedCode(serverDir, email);
    for (let attempt = 1; attempt <= 4; attempt++) {
      await page.getByLabel('Code').fill(wrong(first, attempt));
      await page.getByRole('button', { name: 'Verify and continue' }).click();
      await expect.poll(() => page.getByRole('alert').getAttribute('data-error-code')).toBe(attempt < 4 ? 'invalid-code' : 'code-exhausted');
    }
    // Only a new code helps now: it is the one main action left.
    expect(await page.getByRole('button', { name: 'Verify and continue' }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('sign-up-code-exhausted');

    // A reload loses the error, not the way out: the code screen still offers a new code.
    await page.reload();
    await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
    await page.getByRole('button', { name: 'Send a new code' }).click();
    await page.getByTestId('code-resent').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('sign-up-code-resent');
    await expect.poll(() => mailedCode(serverDir, email)).not.toBe(first);
    const second = await mailedCode(serverDir, email);
    await page.getByLabel('Code').fill(second);
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    await expect.poll(() => page.getByTestId('signed-in-name').textContent(), { timeout: 15_000 }).toBe('Erin Stone');
    await client.close();
  });

  it('changes the e-mail address or cancels, back to a form that works', async () => {
    const client = await hostEnv.host.launch({ dataDir: path.join(env.root, 'finn'), defaultServer: { url: env.server.url, pins: [env.server.pin] }, colorScheme: 'dark' });
    const { page } = client;
    await startSignUp(page, 'fin@example.test');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('sign-up-code');

    // A typo in the address: "Change e-mail" brings the create form back with it selected.
    await page.getByRole('button', { name: 'Change e-mail' }).click();
    const emailField = page.getByLabel('E-mail address');
    await expect.poll(() => emailField.inputValue()).toBe('fin@example.test');
    expect(await page.getByRole('tab', { name: 'Create account' }).getAttribute('aria-selected')).toBe('true');
    expect(await emailField.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('sign-up-change-email');
    await page.keyboard.type('finn@example.test');
    await page.getByLabel('Your name').fill('Finn Vale');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByText('We sent a 6-digit code to finn@example.test').count()).toBe(1);

    // Cancel: back to the start, and after a reload too.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: 'Check your e-mail' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Connect' }).waitFor();
    await client.close();
  });
});
