import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERER_HEADERS } from '../host/headers';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { seriousA11yViolations } from '../host/axe';
import { bridgeRequest, signUpThroughBridge } from './support/signUp';

const env = useTestServer('e2e-machine-policy');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

describe('a server preset by machine policy', () => {
  it('is the one the welcome screen connects to, and the page offers no way to change it', async () => {
    const elsewhere = { url: 'https://elsewhere.example', pins: [`sha256/${'E'.repeat(43)}=`] };
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'policy'),
      // A development pre-fill that the machine policy must override.
      defaultServer: elsewhere,
      machinePolicy: { server: { url: env.server.url, pins: [env.server.pin] } },
    });
    const { page } = client;
    await expect.poll(() => page.getByTestId('fixed-server').textContent()).toContain(env.server.url);
    expect(await page.getByRole('textbox').count()).toBe(0);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByTestId('server-connected').textContent()).toContain(`Connected to ${env.server.domain}`);
    expect(await page.getByRole('button', { name: 'Use another server' }).count()).toBe(0);
    // A page that asks for another server anyway (a compromised renderer) is refused by the core.
    const answer = await page.evaluate(async (server) => {
      const cairn: unknown = Reflect.get(globalThis, 'cairn');
      const request: unknown = typeof cairn === 'object' && cairn !== null ? Reflect.get(cairn, 'request') : undefined;
      if (typeof request !== 'function') throw new Error('the page has no window.cairn.request');
      const result: unknown = await Reflect.apply(request, cairn, ['server.probe', server]);
      return result;
    }, elsewhere);
    expect(answer).toMatchObject({ ok: false, error: { code: 'server-built-in' } });
    await client.close();
  });

  it('shows "Always relay calls" on and set by the organisation when the policy turns it on, whatever the user chose', async () => {
    const client = await hostEnv.host.launch({
      dataDir: path.join(env.root, 'relay-policy'),
      defaultServer: { url: env.server.url, pins: [env.server.pin] },
      machinePolicy: { calls: { alwaysRelay: true } },
    });
    const { page } = client;
    await page.getByLabel('Server address').waitFor();
    await signUpThroughBridge(page, env.server, env.root, 'rosa@example.test', 'Rosa Tarn');
    await page.getByTestId('signed-in-name').waitFor();
    // The user's own choice is off; the policy wins.
    expect((await bridgeRequest(page, 'preferences.set', { 'calls.alwaysRelay': false })).ok).toBe(true);
    await page.getByRole('button', { name: 'Settings' }).click();
    const toggle = page.getByRole('checkbox', { name: 'Always relay calls' });
    await expect.poll(() => toggle.isChecked()).toBe(true);
    expect(await toggle.isDisabled()).toBe(true);
    expect(await page.getByText('Your organisation turned this on for this computer', { exact: false }).isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await toggle.scrollIntoViewIfNeeded();
    await client.screenshots('settings-relay-managed');
    await client.close();
  });
});
