import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { groupWith, launchAliceAndBob } from './support/signUp';

/** Issue 17's polish: what asks first, the settings' section list, the account menu. */
const env = useTestServer('e2e-polish');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;
const PASSCODE = 'Quiet-Stone-42';

type Focused = { document: { activeElement: { id: string; textContent: string | null; getAttribute(n: string): string | null } | null } };

function focused(client: TestClient): Promise<{ id: string; testid: string | null; text: string }> {
  return client.page.evaluate(() => {
    const active = (globalThis as unknown as Focused).document.activeElement;
    return { id: active?.id ?? '', testid: active?.getAttribute('data-testid') ?? null, text: active?.textContent?.trim() ?? '' };
  });
}

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root, 'light'));
  await groupWith(alice, bob, 'Tarn');
  await alice.page.getByTestId('conversation-item').filter({ hasText: 'Tarn' }).click();
  await bob.page.getByTestId('conversation-item').filter({ hasText: 'Tarn' }).click();
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
});

describe('delete for everyone', () => {
  it('asks first: Escape keeps the message on both sides, confirming deletes it for everyone', async () => {
    const a = alice.page;
    const composer = a.getByRole('textbox', { name: 'Message Tarn' });
    await composer.fill('Meet at the boathouse');
    await composer.press('Enter');
    const onBob = bob.page.getByTestId('message').filter({ hasText: 'Meet at the boathouse' });
    await onBob.waitFor({ timeout: 15_000 });

    const mine = a.getByTestId('message').filter({ hasText: 'Meet at the boathouse' });
    await mine.hover();
    await mine.getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    const dialog = a.getByRole('dialog', { name: 'Delete this message for everyone?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('cannot be undone');
    // The safe choice has the focus.
    expect((await focused(alice)).text).toBe('Cancel');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-delete-confirm');

    await a.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await mine.textContent()).toContain('Meet at the boathouse');
    expect(await onBob.count()).toBe(1);

    await mine.hover();
    await mine.getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click();
    await expect.poll(() => bob.page.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('This message was deleted.');
    expect(await a.getByTestId('message').filter({ hasText: 'Meet at the boathouse' }).count()).toBe(0);
  });
});

describe('verification', () => {
  it('shows each side the same safety number, twelve groups of five digits', async () => {
    const numberOn = async (client: TestClient): Promise<string[]> => {
      await client.page.getByTestId('open-verification').click();
      const number = client.page.getByTestId('verification-panel').getByTestId('safety-number').getByRole('listitem');
      await expect.poll(() => number.count(), { timeout: 15_000 }).toBe(12);
      return number.allTextContents();
    };
    const [onAlice, onBob] = [await numberOn(alice), await numberOn(bob)];
    for (const group of onAlice) expect(group).toMatch(/^\d{5}$/);
    expect(onBob).toEqual(onAlice);
    expect(await seriousA11yViolations(bob.page)).toEqual([]);
    await alice.page.getByTestId('open-verification').click();
  });
});

describe('the settings', () => {
  it('lists their sections at the side; choosing one shows it and marks it, from the keyboard too', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'Settings', exact: true }).click();
    const nav = a.getByRole('navigation', { name: 'Settings sections' });
    await nav.waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Profile',
      'Notifications',
      'Appearance',
      'Privacy',
      'Calls',
      'Devices',
      'App lock',
      'Backups',
      'About',
    ]);
    expect(await nav.locator('[aria-current="true"]').textContent()).toBe('Profile');

    await nav.getByRole('link', { name: 'Backups' }).click();
    await expect.poll(() => nav.locator('[aria-current="true"]').textContent()).toBe('Backups');
    // The section came to the top of the pane and has the focus (a screen reader reads it).
    expect((await focused(alice)).id).toBe('settings-backups');
    const heading = a.getByRole('heading', { name: 'Backups', level: 2 });
    expect(await heading.isVisible()).toBe(true);
    expect(await heading.evaluate((h) => {
      const box = h.getBoundingClientRect();
      return box.top >= 0 && box.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight;
    })).toBe(true);

    await nav.getByRole('link', { name: 'App lock' }).focus();
    await a.keyboard.press('Enter');
    await expect.poll(() => nav.locator('[aria-current="true"]').textContent()).toBe('App lock');
    expect((await focused(alice)).id).toBe('settings-app-lock');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-settings-app-lock');
  });
});

describe('the account menu', () => {
  it('opens from the own avatar with profile, settings and sign out, by keyboard, and Escape returns to it', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'Back to conversations' }).click();
    // The two big buttons are gone from the sidebar.
    expect(await a.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    // Named by what it shows (the name and address) and what it does.
    const trigger = a.getByRole('button', { name: /^Alice Moss\s*alice@example.test\s*Account menu$/ });
    await trigger.focus();
    await a.keyboard.press('Enter');
    const menu = a.getByRole('menu', { name: 'Account menu, Alice Moss' });
    await menu.waitFor();
    const items = await menu.getByRole('menuitem').allTextContents();
    expect(items.filter((item) => item !== 'Lock now')).toEqual(['Profile', 'Settings', 'Sign out']);
    expect((await focused(alice)).text).toBe('Profile');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-account-menu');
    await a.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    expect((await focused(alice)).testid).toBe('account-menu');

    // Profile opens the settings at the profile.
    await a.keyboard.press('Enter');
    await a.keyboard.press('Enter');
    await a.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(await a.getByRole('navigation', { name: 'Settings sections' }).locator('[aria-current="true"]').textContent()).toBe('Profile');
    expect(await a.getByLabel('Name', { exact: true }).inputValue()).toBe('Alice Moss');
  });

  it('offers Lock now once the app lock is on, and it locks', async () => {
    const a = alice.page;
    await a.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'App lock' }).click();
    const status = a.getByTestId('app-lock-status');
    await status.waitFor();
    if ((await status.textContent()) !== 'The app lock is on.') {
      await a.getByTestId('account-menu').click();
      expect(await a.getByRole('menu').getByRole('menuitem').allTextContents()).toEqual(['Profile', 'Settings', 'Sign out']);
      await a.keyboard.press('Escape');
      await a.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
      await a.getByLabel('Repeat the passcode').fill(PASSCODE);
      await a.getByRole('button', { name: 'Turn on the app lock' }).click();
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('The app lock is on.');
    }

    await a.getByTestId('account-menu').click();
    expect(await a.getByRole('menu').getByRole('menuitem').allTextContents()).toEqual(['Profile', 'Settings', 'Lock now', 'Sign out']);
    await a.getByRole('menuitem', { name: 'Lock now' }).click();
    await expect.poll(() => a.getByRole('heading', { name: 'Cairn is locked' }).isVisible(), { timeout: 15_000 }).toBe(true);
  });
});
