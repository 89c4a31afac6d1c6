import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { mailedCode } from '../support/outbox';
import { TEST_PASSWORD } from '../support/serverAccounts';
import { useTestServer } from '../support/testServer';

const env = useTestServer('e2e-code-password');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

describe('activating after a restart', () => {
  it('asks for the password again with the code, since Cairn never stored it', async () => {
    const launch = (): ReturnType<typeof hostEnv.host.launch> =>
      hostEnv.host.launch({ dataDir: path.join(env.root, 'uma'), defaultServer: { url: env.server.url, pins: [env.server.pin] } });
    let client = await launch();
    let { page } = client;
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Your name').fill('Uma Scree');
    await page.getByLabel('E-mail address').fill('uma@example.test');
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Check your e-mail' }).isVisible()).toBe(true);
    // The core that took the password still holds it: no password field.
    expect(await page.getByTestId('code-password-needed').count()).toBe(0);
    await client.close();

    client = await launch();
    ({ page } = client);
    await expect.poll(() => page.getByTestId('code-password-needed').isVisible(), { timeout: 15_000 }).toBe(true);
    await page.getByLabel('Code').fill(await mailedCode(env.serverDir, 'uma@example.test'));
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('onboarding-code-password');
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    await expect.poll(() => page.getByTestId('signed-in-name').textContent(), { timeout: 15_000 }).toBe('Uma Scree');
    await client.close();
  });
});
