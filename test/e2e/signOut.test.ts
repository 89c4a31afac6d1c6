import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { filesUnder } from '../support/profileContents';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-signout');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let client: TestClient;

beforeAll(async () => {
  client = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'sam', email: 'sam@example.test', name: 'Sam Quarry' });
  const created = await bridgeRequest(client.page, 'conversations.create', { name: 'Ridge walk', members: [] });
  if (!created.ok) throw new Error(created.error?.message);
  await client.page.getByTestId('conversation-item').filter({ hasText: 'Ridge walk' }).waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  await client?.close();
});

type Focused = { document: { activeElement: { textContent: string | null; getAttribute(n: string): string | null } | null } };

function focusedText(): Promise<string | null> {
  return client.page.evaluate(() => (globalThis as unknown as Focused).document.activeElement?.textContent?.trim() ?? null);
}

function focusedTestId(): Promise<string | null> {
  return client.page.evaluate(() => (globalThis as unknown as Focused).document.activeElement?.getAttribute('data-testid') ?? null);
}

/** Sign out lives in the account menu behind the own avatar. */
async function chooseSignOut(): Promise<void> {
  await client.page.getByTestId('account-menu').click();
  await client.page.getByTestId('sign-out').click();
}

describe('signing out', () => {
  it('says what will be erased before it signs out, and Escape keeps everything', async () => {
    const { page } = client;
    await chooseSignOut();
    const dialog = page.getByRole('dialog', { name: 'Sign out and erase this computer’s Cairn data?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('everything Cairn keeps on this computer for sam@example.test');
    expect(text).toContain('all conversations and messages');
    expect(text).toContain('export a backup first');
    // The safe choice has the focus.
    expect(await focusedText()).toBe('Cancel');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('sign-out-dialog');

    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await focusedTestId()).toBe('account-menu');
    expect(await page.getByTestId('signed-in-name').textContent()).toBe('Sam Quarry');
    expect(await page.getByTestId('conversation-item').count()).toBe(1);
  });

  it('leads to the backup export instead when asked', async () => {
    const { page } = client;
    await chooseSignOut();
    await page.getByRole('button', { name: 'Export a backup' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Backups' }).isVisible()).toBe(true);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.getByRole('button', { name: 'Back to conversations' }).click();
  });

  it('signs out from the keyboard, erases the profile and shows the welcome screen', async () => {
    const { page } = client;
    // The account menu opens on its first item; End reaches Sign out, the last.
    await page.getByTestId('account-menu').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    expect(await focusedText()).toBe('Sign out');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Sign out and erase');
    await page.keyboard.press('Enter');

    await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Cairn' }).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await filesUnder(path.join(env.root, 'sam'))).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await client.screenshots('sign-out-welcome');
  });
});
