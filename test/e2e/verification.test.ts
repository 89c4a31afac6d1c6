import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import type { ObservedCore } from '../support/cores';
import { signInThroughCore, startCore } from '../support/cores';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, groupWith, launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-verification');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
const extraDevices: ObservedCore[] = [];
let alice: TestClient;
let bob: TestClient;
let conversationId: string;

afterAll(async () => {
  await Promise.all(extraDevices.map((o) => o.core.close()));
});

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root));
  conversationId = await groupWith(alice, bob, 'Summit Party');
});

/** The fingerprint a device shows for itself in its own settings: what Bob reads out to Alice. */
async function ownFingerprint(client: TestClient): Promise<string> {
  const result = await bridgeRequest(client.page, 'account.devices', {});
  const devices = (result.value as { devices: Array<{ current: boolean; mlsFingerprint: string | null }> }).devices;
  const fingerprint = devices.find((d) => d.current)?.mlsFingerprint;
  if (!fingerprint) throw new Error('no fingerprint for the current device');
  return fingerprint;
}

async function fingerprintOf(o: ObservedCore): Promise<string> {
  const result = await o.core.router.request('account.devices', {});
  if (!result.ok) throw new Error(result.error.message);
  const fingerprint = result.value.devices.find((d) => d.current)?.mlsFingerprint;
  if (!fingerprint) throw new Error('no fingerprint for the current device');
  return fingerprint;
}

async function texts(o: ObservedCore): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
}

describe('verifying devices and the degraded state', () => {
  it("Alice compares Bob's fingerprint, marks his device verified, and the conversation shows a shield", async () => {
    const a = alice.page;
    await a.getByTestId('conversation-item').filter({ hasText: 'Summit Party' }).click();
    await a.getByTestId('open-verification').click();
    const panel = a.getByTestId('verification-panel');
    await expect.poll(() => panel.getByTestId('device-row').count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => panel.textContent()).toContain('Some devices in this conversation are not verified');

    // What Alice sees for Bob's device is exactly what Bob's computer shows for itself.
    const bobRow = panel.getByRole('region', { name: 'Bob Lichen' });
    expect(await bobRow.locator('code').textContent()).toBe(await ownFingerprint(bob));
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('verification-panel');

    await bobRow.getByLabel('Verified').check();
    await expect.poll(() => a.getByRole('img', { name: /^Verified: every device/ }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => panel.textContent()).toContain('Every device in this conversation is verified.');
    // The change is written into the history as a system message.
    await expect.poll(() => a.getByTestId('message').last().textContent()).toMatch(/verified/i);
    await alice.screenshots('conversation-verified');
  });

  it('Bob adds a phone: Alice\'s conversation turns degraded and sending is blocked until she verifies it', async () => {
    const a = alice.page;
    const phone = startCore(env.root, 'bob-phone');
    extraDevices.push(phone);
    await signInThroughCore(phone, env.server, 'bob@example.test');

    const banner = a.getByTestId('degraded-banner');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain('This conversation is no longer verified');
    await a.getByLabel('Message Summit Party').fill('Is this still just us?');
    expect(await a.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    await a.getByLabel('Message Summit Party').press('Enter');
    expect(await a.getByTestId('message').filter({ hasText: 'Is this still just us?' }).count()).toBe(0);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('conversation-degraded');

    await banner.getByRole('button', { name: 'Review devices' }).click();
    const panel = a.getByTestId('verification-panel');
    await expect.poll(() => panel.getByTestId('device-row').count(), { timeout: 15_000 }).toBe(3);
    const phoneFingerprint = await fingerprintOf(phone);
    const phoneRow = panel.getByTestId('device-row').filter({ hasText: phoneFingerprint });
    await phoneRow.getByLabel('Verified').check();

    await expect.poll(() => banner.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => a.getByRole('img', { name: /^Verified: every device/ }).count()).toBeGreaterThan(0);
    await a.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => texts(phone), { timeout: 15_000 }).toContain('Is this still just us?');
  });

  it('"Send anyway" after another new device makes the conversation non-verified, and sending works', async () => {
    const a = alice.page;
    const tablet = startCore(env.root, 'bob-tablet');
    extraDevices.push(tablet);
    await signInThroughCore(tablet, env.server, 'bob@example.test');

    const banner = a.getByTestId('degraded-banner');
    await banner.waitFor({ timeout: 20_000 });
    await banner.getByRole('button', { name: 'Send anyway' }).click();
    await expect.poll(() => banner.count(), { timeout: 15_000 }).toBe(0);
    expect(await a.getByRole('img', { name: /^Verified: every device/ }).count()).toBe(0);

    await a.getByLabel('Message Summit Party').fill('Sent knowing a new device is here');
    await a.getByLabel('Message Summit Party').press('Enter');
    await expect.poll(() => texts(tablet), { timeout: 15_000 }).toContain('Sent knowing a new device is here');
    await bob.page.getByTestId('conversation-item').click();
    await expect.poll(() => bob.page.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain(
      'Sent knowing a new device is here',
    );
  });
});
