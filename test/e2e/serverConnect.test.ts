import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';

const WRONG_PIN = `sha256/${'Q'.repeat(43)}=`;

const env = useTestServer('e2e-server');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

describe('choosing a server on the welcome screen', () => {
  it('connects to the pre-filled local server over pinned TLS', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'ok'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
    });
    const { page } = client;
    await expect.poll(() => page.getByLabel('Server address').inputValue()).toBe(env.server.url);
    expect(await page.getByLabel('Server key pin').inputValue()).toBe(env.server.pin);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByTestId('server-connected').textContent()).toContain(`Connected to ${env.server.domain}`);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('welcome-connected');
    await client.close();
  });

  it('refuses a server whose key does not match the pin and says so in plain words', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'mismatch'),
      defaultServer: { url: env.server.url, pins: [WRONG_PIN] },
      colorScheme: 'dark',
    });
    const { page } = client;
    await expect.poll(() => page.getByLabel('Server address').inputValue()).toBe(env.server.url);
    await page.getByRole('button', { name: 'Connect' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.getAttribute('data-error-code')).toBe('tls-pin-mismatch');
    expect(await alert.textContent()).toContain("The server's certificate does not match the pinned key. Nothing was sent.");
    expect(await page.getByTestId('server-connected').count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('welcome-pin-mismatch');
    await client.close();
  });

  it('checks the address and pin before contacting anything', async () => {
    const client = await hostEnv.host.launch({ dataDir: path.join(env.root, 'invalid') });
    const { page } = client;
    await page.getByLabel('Server address').fill('http://plain.example');
    await page.getByLabel('Server key pin').fill('sha1/abc');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByText('Enter an address that starts with https://').isVisible()).toBe(true);
    expect(await page.getByText('A pin starts with sha256/ and has 44 more characters.').isVisible()).toBe(true);
    // Nothing asked the core to contact the server.
    expect(client.sent).not.toContainEqual(expect.objectContaining({ channel: 'server.probe' }));
    expect(client.sent).toContainEqual(expect.objectContaining({ channel: 'app.info' }));
    await client.close();
  });
});
