import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-settings');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;
/** Ridge: the conversation Bob reads; Cove: one he never opens (so its unread count stays). */
let conversationId: string;
let coveId: string;
let bobId: string;

const Listed = z.object({ messages: z.array(z.object({ text: z.string().nullable(), readBy: z.array(z.string()) })) });

/** Events the core sent to a page, by name. */
function eventsNamed(client: TestClient, name: string): unknown[] {
  return client.received.flatMap((m) =>
    typeof m === 'object' && m !== null && 'kind' in m && m.kind === 'event' && 'event' in m && m.event === name && 'payload' in m ? [m.payload] : [],
  );
}

async function call(client: TestClient, channel: string, payload: unknown): Promise<unknown> {
  const result = await bridgeRequest(client.page, channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${result.error?.message ?? 'failed'}`);
  return result.value;
}

/** Evaluates a JavaScript expression in the page (the tests type-check without DOM types). */
async function inPage(page: Page, expression: string): Promise<string> {
  const value: unknown = await page.evaluate(expression);
  return String(value);
}

const bodyBackground = (page: Page): Promise<string> => inPage(page, 'getComputedStyle(document.body).backgroundColor');
const theme = (page: Page): Promise<string> => inPage(page, 'document.documentElement.dataset.theme ?? "none"');
const coveBadgeColour = (page: Page): Promise<string> =>
  inPage(
    page,
    `getComputedStyle([...document.querySelectorAll('[data-testid="conversation-item"]')]
      .find((row) => row.textContent.includes('Cove')).querySelector('[data-testid="unread-badge"]')).backgroundColor`,
  );
const focused = (page: Page): Promise<string> => inPage(page, 'document.activeElement?.textContent?.trim() ?? ""');

/** Alice sends `text`; resolves once Bob's core has stored it, with Bob's notify events for it. */
async function aliceSends(text: string, to: string = conversationId): Promise<unknown[]> {
  const before = eventsNamed(bob, 'notify').length;
  await call(alice, 'messages.send', { conversationId: to, text });
  await expect
    .poll(() => eventsNamed(bob, 'message.added').some((m) => typeof m === 'object' && m !== null && 'text' in m && m.text === text), { timeout: 15_000 })
    .toBe(true);
  return eventsNamed(bob, 'notify').slice(before);
}

/** Bob sends `text` through the UI composer; resolves once Alice's core has it. */
async function bobSendsInUi(text: string): Promise<void> {
  const composer = bob.page.getByLabel('Message Ridge');
  await composer.fill(text);
  await composer.press('Enter');
  await expect
    .poll(() => eventsNamed(alice, 'message.added').some((m) => typeof m === 'object' && m !== null && 'text' in m && m.text === text), { timeout: 15_000 })
    .toBe(true);
}

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root, 'light'));
  const { user } = z.object({ user: z.object({ id: z.string(), domain: z.string() }) }).parse(await call(bob, 'account.status', {}));
  bobId = `${user.id}@${user.domain}`;
  const Created = z.object({ id: z.string() });
  const members = [{ id: user.id, domain: user.domain }];
  conversationId = Created.parse(await call(alice, 'conversations.create', { name: 'Ridge', members })).id;
  coveId = Created.parse(await call(alice, 'conversations.create', { name: 'Cove', members })).id;
  await bob.page.getByTestId('conversation-item').nth(1).waitFor({ timeout: 15_000 });
});

describe('settings: notifications, appearance, privacy', () => {
  it('switches the theme over the OS choice, and keeps it after a restart of the page', async () => {
    const b = bob.page;
    await b.getByRole('button', { name: 'Settings' }).click();
    await b.getByRole('heading', { name: 'Appearance' }).waitFor();
    const light = await bodyBackground(b);
    expect(light).toBe('rgb(244, 245, 244)');
    expect(await b.getByLabel('Same as the system').isChecked()).toBe(true);
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshot('settings-light');

    await b.getByLabel('Dark', { exact: true }).check();
    await expect.poll(() => bodyBackground(b)).toBe('rgb(16, 20, 19)');
    expect(await theme(b)).toBe('dark');
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshot('settings-dark');

    // Kept in the profile: a reloaded page starts dark although the OS says light.
    await b.reload();
    await b.getByTestId('signed-in-name').waitFor();
    await expect.poll(() => bodyBackground(b)).toBe('rgb(16, 20, 19)');

    await b.getByRole('button', { name: 'Settings' }).click();
    await b.getByLabel('Light', { exact: true }).check();
    await expect.poll(() => bodyBackground(b)).toBe(light);
    await b.getByLabel('Same as the system').check();
    await expect.poll(() => theme(b)).toBe('none');
    expect(await bodyBackground(b)).toBe(light);
  });

  it('shapes or stops desktop notifications', async () => {
    const b = bob.page;
    await b.getByRole('heading', { name: 'Notifications' }).waitFor();
    expect(await aliceSends('everything shows')).toEqual([{ conversationId, title: 'Alice Moss in Ridge', body: 'everything shows' }]);

    await b.getByLabel('Name only').check();
    await expect.poll(async () => call(bob, 'preferences.get', {})).toMatchObject({ notificationContent: 'name-only' });
    expect(await aliceSends('hidden text')).toEqual([{ conversationId, title: 'Alice Moss in Ridge', body: 'New message' }]);

    await b.getByLabel('No name or message').check();
    await expect.poll(async () => call(bob, 'preferences.get', {})).toMatchObject({ notificationContent: 'nothing' });
    expect(await aliceSends('hidden name')).toEqual([{ conversationId, title: 'Cairn', body: 'New message' }]);

    await b.getByLabel('Show desktop notifications').uncheck();
    // What to show no longer matters: the choice is greyed out.
    await expect.poll(() => b.getByLabel('Name and message').isDisabled()).toBe(true);
    await expect.poll(async () => call(bob, 'preferences.get', {})).toMatchObject({ desktopNotifications: false });
    expect(await aliceSends('no notification')).toEqual([]);

    await b.getByLabel('Show desktop notifications').check();
    await b.getByLabel('Name and message').check();
    await expect
      .poll(async () => call(bob, 'preferences.get', {}))
      .toMatchObject({ desktopNotifications: true, notificationContent: 'name-and-message' });
  });

  it('with read receipts and typing indicators off, the other side sees neither', async () => {
    const b = bob.page;
    await b.getByLabel('Send read receipts').uncheck();
    await b.getByLabel('Send typing indicators').uncheck();
    await expect
      .poll(async () => call(bob, 'preferences.get', {}))
      .toMatchObject({ sendReadReceipts: false, sendTypingIndicators: false });
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('settings-privacy-off');

    await aliceSends('did you read this?');
    await b.getByRole('button', { name: 'Back to conversations' }).click();
    await b.getByTestId('conversation-item').filter({ hasText: 'Ridge' }).click();
    await expect.poll(() => b.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('did you read this?');
    const typingBefore = eventsNamed(alice, 'typing').length;
    await bobSendsInUi('typed and read, quietly');
    // Bob's reply came after anything he would have sent: no receipt, no typing news.
    expect(eventsNamed(alice, 'typing').length).toBe(typingBefore);
    const list = Listed.parse(await call(alice, 'messages.list', { conversationId, limit: 50 }));
    expect(list.messages.find((m) => m.text === 'did you read this?')?.readBy).toEqual([]);

    // Turned back on (settings), both work again.
    await b.getByRole('button', { name: 'Settings' }).click();
    await b.getByLabel('Send read receipts').check();
    await b.getByLabel('Send typing indicators').check();
    await expect
      .poll(async () => call(bob, 'preferences.get', {}))
      .toMatchObject({ sendReadReceipts: true, sendTypingIndicators: true });
    await b.getByRole('button', { name: 'Back to conversations' }).click();
    await b.getByTestId('conversation-item').filter({ hasText: 'Ridge' }).click();
    await aliceSends('and this one?');
    await expect.poll(() => b.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('and this one?');
    await b.getByLabel('Message Ridge').pressSequentially('ok');
    await expect.poll(() => eventsNamed(alice, 'typing').length, { timeout: 15_000 }).toBeGreaterThan(typingBefore);
    await expect
      .poll(async () => {
        const now = Listed.parse(await call(alice, 'messages.list', { conversationId, limit: 50 }));
        return now.messages.find((m) => m.text === 'and this one?')?.readBy;
      }, { timeout: 15_000 })
      .toEqual([bobId]);
  });
});

describe('mute and archive from the conversation list', () => {
  it('mutes from the row menu: a muted icon, a grey unread count, no notification; unmutes again', async () => {
    const b = bob.page;
    await b.getByRole('button', { name: 'Settings' }).click();
    await b.getByRole('button', { name: 'Back to conversations' }).click();
    await b.getByTestId('conversation-item').filter({ hasText: 'Cove' }).hover();
    await b.getByRole('button', { name: 'Options for Cove' }).click();
    await b.getByRole('menuitem', { name: 'Mute for 8 hours' }).waitFor();
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshot('conversation-menu-light');
    await b.getByRole('menuitem', { name: 'Mute for 8 hours' }).click();
    await expect.poll(() => b.getByTestId('muted-icon').isVisible()).toBe(true);
    expect(await b.getByTestId('muted-icon').getAttribute('aria-label')).toMatch(/^Muted until /);

    expect(await aliceSends('while muted', coveId)).toEqual([]);
    const badge = b.getByTestId('conversation-item').filter({ hasText: 'Cove' }).getByTestId('unread-badge');
    await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toBe('1');
    // Grey is the theme's --text-muted (#5a6662 in light), not the accent.
    expect(await inPage(b, 'getComputedStyle(document.documentElement).getPropertyValue("--text-muted").trim()')).toBe('#5a6662');
    expect(await coveBadgeColour(b)).toBe('rgb(90, 102, 98)');
    await bob.screenshots('conversation-muted');

    await b.getByRole('button', { name: 'Options for Cove' }).click();
    await b.getByRole('menuitem', { name: 'Unmute' }).click();
    await expect.poll(() => b.getByTestId('muted-icon').count()).toBe(0);
    expect(await coveBadgeColour(b)).toBe('rgb(11, 122, 111)');
  });

  it('archives by keyboard, lists it under "Archived (1)", unarchives by right-click, and a new message brings it back', async () => {
    const b = bob.page;
    const options = b.getByRole('button', { name: 'Options for Cove' });
    await options.focus();
    await b.keyboard.press('Enter');
    // The menu opens on its first item; End goes to the last (Archive).
    await expect.poll(() => focused(b)).toBe('Mute for 1 hour');
    await b.keyboard.press('End');
    await expect.poll(() => focused(b)).toBe('Archive');
    await b.keyboard.press('Escape');
    await expect.poll(() => b.getByRole('menu').count()).toBe(0);
    expect(await inPage(b, 'document.activeElement?.getAttribute("aria-label")')).toBe('Options for Cove');
    await b.keyboard.press('ArrowDown');
    await b.keyboard.press('ArrowUp');
    await b.keyboard.press('Enter');

    await expect.poll(() => b.getByTestId('conversation-item').allTextContents()).toEqual([expect.stringContaining('Ridge')]);
    await expect.poll(() => b.getByTestId('archived-entry').textContent()).toContain('Archived (1)');
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('conversation-list-archived-entry');

    await b.getByTestId('archived-entry').click();
    await expect.poll(() => b.getByTestId('conversation-item').allTextContents()).toEqual([expect.stringContaining('Cove')]);
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('conversation-list-archived-view');
    await b.getByTestId('conversation-item').click({ button: 'right' });
    await b.getByRole('menuitem', { name: 'Unarchive' }).click();
    // The archive view closes once it is empty; the conversation is back in the main list.
    await expect.poll(() => b.getByRole('button', { name: 'New group' }).isVisible()).toBe(true);
    await expect.poll(() => b.getByTestId('conversation-item').count()).toBe(2);
    expect(await b.getByTestId('archived-entry').count()).toBe(0);

    // Archived again: Alice's next message brings it back (it is not muted).
    await b.getByRole('button', { name: 'Options for Cove' }).click();
    await b.getByRole('menuitem', { name: 'Archive' }).click();
    await expect.poll(() => b.getByTestId('conversation-item').count()).toBe(1);
    await aliceSends('back to the top', coveId);
    await expect.poll(() => b.getByTestId('conversation-item').count(), { timeout: 15_000 }).toBe(2);
    expect(await b.getByTestId('archived-entry').count()).toBe(0);

    // The list and its menu in the dark theme (chosen in the profile, over the OS's light).
    await call(bob, 'conversations.setMuted', { conversationId: coveId, until: Number.MAX_SAFE_INTEGER });
    await call(bob, 'preferences.set', { theme: 'dark' });
    await expect.poll(() => theme(b)).toBe('dark');
    await expect.poll(() => b.getByTestId('muted-icon').getAttribute('aria-label')).toBe('Muted');
    await b.getByRole('button', { name: 'Options for Cove' }).click();
    await b.getByRole('menuitem', { name: 'Unmute' }).waitFor();
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshot('conversation-menu-dark');
    await b.keyboard.press('Escape');
    await call(bob, 'preferences.set', { theme: 'system' });
    await expect.poll(() => theme(b)).toBe('none');
  });
});
