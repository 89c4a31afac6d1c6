import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { groupWith, launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-conversation-header');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;

type Focused = { document: { activeElement: { textContent: string | null; getAttribute(n: string): string | null } | null } };

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root));
  await groupWith(alice, bob, 'Scree slope');
  await alice.page.getByTestId('conversation-item').click();
  await bob.page.getByTestId('conversation-item').click();
});

describe('the conversation header (issue 17, defect 4)', () => {
  it('pings a group only from its options menu and after asking, never from one click on a bell', async () => {
    const a = alice.page;
    const header = a.locator('section.conversation > header');
    await header.waitFor();
    // No control in the header sends a ping by itself.
    expect(await header.getByRole('button', { name: /ping/i }).count()).toBe(0);

    // From the keyboard: the options button opens its menu on the first item.
    await header.getByRole('button', { name: 'More options for Scree slope' }).focus();
    await a.keyboard.press('Enter');
    const item = a.getByRole('menuitem', { name: 'Ping everyone…' });
    await expect.poll(() => a.evaluate(() => (globalThis as unknown as Focused).document.activeElement?.textContent?.trim())).toBe('Ping everyone…');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('conversation-options-menu');
    await item.press('Enter');

    const dialog = a.getByTestId('ping-confirm');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('The other member gets a notification now');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('ping-confirm');
    // Escape (Cancel) sends nothing: the focus is on Cancel, the safe choice.
    await a.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);

    // Asked again and confirmed: Bob is pinged once.
    await header.getByRole('button', { name: 'More options for Scree slope' }).click();
    await item.click();
    await dialog.getByRole('button', { name: 'Ping everyone' }).click();
    const pinged = bob.page.getByTestId('message').filter({ hasText: 'Alice Moss pinged' });
    await pinged.waitFor({ timeout: 15_000 });
    expect(await bob.page.getByTestId('message').filter({ hasText: 'pinged' }).count()).toBe(1);
  });

  it('keeps notification settings behind the bell: mute and unmute from the header', async () => {
    const a = alice.page;
    const bell = a.getByRole('button', { name: 'Notifications for Scree slope: on' });
    await bell.click();
    await a.getByRole('menuitem', { name: 'Mute for 1 hour' }).waitFor();
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('conversation-notifications-menu');
    // Arrow keys move through the choices; Enter picks one.
    await a.keyboard.press('End');
    await a.keyboard.press('Enter');
    await expect.poll(() => a.getByTestId('conversation-item').getByTestId('muted-icon').count()).toBe(1);
    const mutedBell = a.getByRole('button', { name: 'Notifications for Scree slope: Muted' });
    await expect.poll(() => mutedBell.getAttribute('data-pressed')).toBe('true');
    // The menu closed and gave the focus back to the bell.
    expect(await a.evaluate(() => (globalThis as unknown as Focused).document.activeElement?.getAttribute('data-testid'))).toBe('notifications-menu');
    await alice.screenshots('conversation-header-muted');

    await mutedBell.click();
    await a.getByRole('menuitem', { name: 'Unmute' }).click();
    await expect.poll(() => a.getByTestId('conversation-item').getByTestId('muted-icon').count()).toBe(0);
    await a.getByRole('button', { name: 'Notifications for Scree slope: on' }).waitFor();
  });
});
