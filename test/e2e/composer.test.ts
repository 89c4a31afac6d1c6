import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-composer');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let ada: TestClient;

beforeAll(async () => {
  ada = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'ada', email: 'ada@example.test', name: 'Ada Fern' });
  const created = await bridgeRequest(ada.page, 'conversations.create', { name: 'Base camp', members: [] });
  if (!created.ok) throw new Error(created.error?.message);
  await ada.page.getByTestId('conversation-item').click();
});

describe('the composer', () => {
  it('inserts an emoji found by name at the caret, from the keyboard', async () => {
    const a = ada.page;
    const composer = a.getByLabel('Message Base camp');
    await composer.fill('Summit  today');
    // Caret between the two spaces.
    await composer.evaluate((el) => (el as unknown as { setSelectionRange(s: number, e: number): void }).setSelectionRange(7, 7));
    await a.getByRole('button', { name: 'Insert emoji' }).click();
    const picker = a.getByTestId('emoji-picker');
    await picker.getByRole('button', { name: 'grinning face', exact: true }).waitFor();
    expect(await seriousA11yViolations(a)).toEqual([]);
    await ada.screenshots('emoji-picker');

    await a.keyboard.type('mountain');
    await expect.poll(() => picker.getByRole('button').first().getAttribute('aria-label')).toBe('mountain');
    await a.keyboard.press('Enter');
    await expect.poll(() => picker.count()).toBe(0);
    expect(await composer.inputValue()).toBe('Summit ⛰️ today');
    await composer.press('Enter');
    await expect.poll(() => a.getByTestId('message').last().textContent()).toContain('Summit ⛰️ today');

    // Esc closes the picker and gives focus back to its button.
    await a.getByRole('button', { name: 'Insert emoji' }).click();
    await picker.waitFor();
    await a.keyboard.press('Escape');
    await expect.poll(() => picker.count()).toBe(0);
    expect(await a.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute('aria-label'))).toBe(
      'Insert emoji',
    );
  });

  it('reacts with any emoji from the picker, and the same emoji again removes it', async () => {
    const a = ada.page;
    const message = a.getByTestId('message').last();
    await message.hover();
    await message.getByRole('button', { name: 'Add a reaction' }).click();
    const picker = a.getByTestId('emoji-picker');
    await picker.getByLabel('Search emoji').fill('thumbs up');
    await picker.getByRole('button', { name: 'thumbs up', exact: true }).click();
    // The picker's 👍 is the same reaction as the quick-reaction 👍 (no stray variation selector).
    await expect.poll(() => message.getByRole('button', { name: 'React with 👍', pressed: true }).count()).toBe(1);
    await message.getByRole('button', { name: 'React with 👍', pressed: true }).click();
    await expect.poll(() => message.locator('.chip').count()).toBe(0);
  });

  it('walks the messages with the arrow keys, reaches the actions of a message with Tab, and Esc returns to the composer', async () => {
    const a = ada.page;
    const composer = a.getByLabel('Message Base camp');
    for (const text of ['First light', 'Second light', 'Third light']) {
      await composer.fill(text);
      await composer.press('Enter');
      await a.getByTestId('message').filter({ hasText: text }).waitFor();
    }
    type Focused = { document: { activeElement: { textContent: string | null; getAttribute(n: string): string | null } | null } };
    const focused = (): Promise<{ text: string; label: string | null }> =>
      a.evaluate(() => {
        const active = (globalThis as unknown as Focused).document.activeElement;
        return { text: active?.textContent ?? '', label: active?.getAttribute('aria-label') ?? null };
      });

    await a.getByTestId('message-list').focus();
    await a.keyboard.press('ArrowUp');
    await expect.poll(async () => (await focused()).text).toContain('Third light');
    await a.keyboard.press('ArrowUp');
    await expect.poll(async () => (await focused()).text).toContain('Second light');
    await a.keyboard.press('Tab');
    expect((await focused()).label).toBe('React with 👍');
    await a.keyboard.press('Enter');
    await expect
      .poll(() => a.getByTestId('message').filter({ hasText: 'Second light' }).getByRole('button', { name: 'React with 👍', pressed: true }).count())
      .toBe(1);
    // Back past the new reaction chip to the message itself, then down to the next one.
    await a.keyboard.press('Shift+Tab');
    await a.keyboard.press('Shift+Tab');
    expect((await focused()).label).toBe('Your message');
    await a.keyboard.press('ArrowDown');
    await expect.poll(async () => (await focused()).text).toContain('Third light');
    await ada.screenshots('message-keyboard-focus');
    await a.keyboard.press('Escape');
    expect((await focused()).label).toBe('Message Base camp');
  });

  it('shows Send greyed out, clearly unlike the ready button, while there is nothing to send, in both themes', async () => {
    const a = ada.page;
    const composer = a.getByRole('textbox', { name: 'Message Base camp' });
    const send = a.getByRole('button', { name: 'Send', exact: true });
    /** The colour Send really shows: its background blended by its opacity over the composer's surface. */
    const shown = async (): Promise<readonly number[]> => {
      // A script string: this project's test code is compiled without the DOM library.
      const colours = await a.evaluate(`(() => {
        const el = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Send');
        let under = el.parentElement;
        while (under && getComputedStyle(under).backgroundColor === 'rgba(0, 0, 0, 0)') under = under.parentElement;
        return [getComputedStyle(el).backgroundColor, getComputedStyle(under || document.body).backgroundColor, getComputedStyle(el).opacity];
      })()`);
      if (!Array.isArray(colours)) throw new Error(`unexpected ${JSON.stringify(colours)}`);
      const [fg, bg, opacity] = colours as [string, string, string];
      const rgb = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const alpha = Number(opacity);
      return rgb(fg).map((c, i) => c * alpha + (rgb(bg)[i] ?? 0) * (1 - alpha));
    };
    const distance = (p: readonly number[], q: readonly number[]): number => Math.hypot(...p.map((c, i) => c - (q[i] ?? 0)));
    for (const theme of ['dark', 'light'] as const) {
      expect((await bridgeRequest(a, 'preferences.set', { theme })).ok).toBe(true);
      await expect.poll(() => a.evaluate('document.documentElement.dataset.theme')).toBe(theme);
      await composer.fill('');
      expect(await send.isDisabled()).toBe(true);
      const idle = await shown();
      await composer.fill('Ready');
      expect(await send.isEnabled()).toBe(true);
      const ready = await shown();
      // Far apart in RGB (the faded accent of before was about 90 away from the accent in dark).
      expect(distance(idle, ready)).toBeGreaterThan(150);
      await composer.fill('');
    }
    await bridgeRequest(a, 'preferences.set', { theme: 'system' });
    await ada.screenshots('composer-send-idle');
  });
});
