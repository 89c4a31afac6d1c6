import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';

const WRONG_PIN = `sha256/${'Q'.repeat(43)}=`;
const BACKUP_PIN = `sha256/${'B'.repeat(43)}=`;
const OTHER_BACKUP_PIN = `sha256/${'C'.repeat(43)}=`;

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
    expect(await page.getByLabel('Server key pins').inputValue()).toBe(env.server.pin);
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

  it('takes the error of a refused pin away once the address or pins change, so it never stands next to a newer problem (issue 17, defect 6)', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'stale-error'),
      defaultServer: { url: env.server.url, pins: [WRONG_PIN] },
    });
    const { page } = client;
    await expect.poll(() => page.getByLabel('Server address').inputValue()).toBe(env.server.url);
    await page.getByRole('button', { name: 'Connect' }).click();
    const serverError = page.locator('[data-error-code="tls-pin-mismatch"]');
    await serverError.waitFor();

    // A new problem with the address: only that one is shown.
    await page.getByLabel('Server address').fill('http://plain.example');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByText('Enter an address that starts with https://').isVisible()).toBe(true);
    expect(await serverError.count()).toBe(0);

    // Back to the real address with the wrong pin: refused again, then typing in the pins clears it.
    await page.getByLabel('Server address').fill(env.server.url);
    await page.getByRole('button', { name: 'Connect' }).click();
    await serverError.waitFor();
    await page.getByLabel('Server key pins').press('End');
    await page.keyboard.type('x');
    await expect.poll(() => serverError.count()).toBe(0);
    await client.close();
  });

  it('checks the address and pin before contacting anything', async () => {
    const client = await hostEnv.host.launch({ dataDir: path.join(env.root, 'invalid') });
    const { page } = client;
    await page.getByLabel('Server address').fill('http://plain.example');
    await page.getByLabel('Server key pins').fill(`${WRONG_PIN}, sha1/abc`);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByText('Enter an address that starts with https://').isVisible()).toBe(true);
    expect(await page.getByText('“sha1/abc” is not a pin. A pin starts with sha256/ and has 44 more characters.').isVisible()).toBe(true);
    // Nothing asked the core to contact the server.
    expect(client.sent).not.toContainEqual(expect.objectContaining({ channel: 'server.probe' }));
    expect(client.sent).toContainEqual(expect.objectContaining({ channel: 'app.info' }));
    await client.close();
  });

  it('keeps every pre-filled pin, takes more typed as a list, shows which is current, and hands them all to the core', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'several'),
      defaultServer: { url: env.server.url, pins: [env.server.pin, BACKUP_PIN] },
    });
    const { page } = client;
    const field = page.getByLabel('Server key pins');
    await expect.poll(() => field.inputValue()).toBe(`${env.server.pin}\n${BACKUP_PIN}`);
    const list = page.getByRole('list', { name: 'Pins Cairn will trust' });
    const items = async (): Promise<string[]> => (await list.getByRole('listitem').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
    expect(await items()).toEqual([`current ${env.server.pin}`, `backup ${BACKUP_PIN}`]);

    // Only the keyboard: add a third pin on a new line (Shift+Enter), then Enter connects.
    await field.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type(OTHER_BACKUP_PIN);
    await expect.poll(items).toEqual([`current ${env.server.pin}`, `backup ${BACKUP_PIN}`, `backup ${OTHER_BACKUP_PIN}`]);
    await client.screenshots('welcome-several-pins');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('server-connected').textContent()).toContain(`Connected to ${env.server.domain}`);
    expect(client.sent).toContainEqual(
      expect.objectContaining({ channel: 'server.probe', payload: { url: env.server.url, pins: [env.server.pin, BACKUP_PIN, OTHER_BACKUP_PIN] } }),
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.close();
  });

  it('says in plain words when there are more pins than Cairn takes', async () => {
    const client = await hostEnv.host.launch({ dataDir: path.join(env.root, 'too-many'), colorScheme: 'dark' });
    const { page } = client;
    await page.getByLabel('Server address').fill(env.server.url);
    const nine = Array.from({ length: 9 }, (_, i) => `sha256/${String.fromCharCode(68 + i).repeat(43)}=`);
    await page.getByLabel('Server key pins').fill(nine.join(', '));
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByText('That is 9 pins; Cairn takes at most 8: the current one and its backups.').isVisible()).toBe(true);
    expect(client.sent).not.toContainEqual(expect.objectContaining({ channel: 'server.probe' }));
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('welcome-too-many-pins');
    await client.close();
  });

  it('shows a built-in server without fields and connects to it with its built-in pins', async () => {
    const builtIn = { url: env.server.url, pins: [env.server.pin, BACKUP_PIN] };
    const client = await hostEnv.host.launch({ dataDir: path.join(env.root, 'built-in'), builtInServer: builtIn });
    const { page } = client;
    const fixed = page.getByTestId('fixed-server');
    await expect.poll(() => fixed.textContent()).toContain(env.server.url);
    expect(await page.getByRole('textbox').count()).toBe(0);
    expect(await page.getByRole('list', { name: 'Built-in pins' }).getByRole('listitem').count()).toBe(2);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('welcome-built-in-server');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByTestId('server-connected').textContent()).toContain(`Connected to ${env.server.domain}`);
    expect(await page.getByRole('button', { name: 'Use another server' }).count()).toBe(0);
    await client.close();
  });
});
