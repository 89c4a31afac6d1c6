/**
 * How message text is drawn (issue 17): emoji in colour, right-to-left text laid out right to
 * left, and the hover toolbar placed where it hides nothing of the message above.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-text-rendering');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let ada: TestClient;

const HEBREW = 'שלום, נתראה בבסיס';

beforeAll(async () => {
  ada = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'ada', email: 'ada@example.test', name: 'Ada Fern' });
  const created = await bridgeRequest(ada.page, 'conversations.create', { name: 'מחנה בסיס', members: [] });
  if (!created.ok) throw new Error(created.error?.message);
  await ada.page.getByTestId('conversation-item').click();
});

async function send(page: Page, text: string): Promise<Locator> {
  const composer = page.getByRole('textbox', { name: /^Message / });
  await composer.fill(text);
  await composer.press('Enter');
  const message = page.getByTestId('message').filter({ hasText: text });
  await message.waitFor();
  return message;
}

/** The page's `getComputedStyle`, as `evaluate` reaches it (test code is compiled without the DOM library). */
type PageStyles = { getComputedStyle(element: unknown): { direction: string; opacity: string } };

type PlatformFont = { familyName: string; glyphCount: number };

/** The fonts Chromium really drew `selector`'s text with (DevTools protocol), by family. */
async function fontsOf(page: Page, selector: string): Promise<Map<string, number>> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })) as { fonts: PlatformFont[] };
    return new Map(fonts.map((f) => [f.familyName, f.glyphCount]));
  } finally {
    await cdp.detach();
  }
}

describe('text in messages (issue 17)', () => {
  it('draws emoji with the colour emoji font, in messages and in the quick reactions (defect 8)', async () => {
    const a = ada.page;
    const message = await send(a, '😂❤️‍🔥');
    const id = await message.getAttribute('data-message-id');
    const fonts = await fontsOf(a, `[data-message-id="${id}"] .body`);
    // Two emoji, both from the colour font; no glyph from a text font (DejaVu Sans has a monochrome 😂 and ❤).
    expect(fonts.get('Noto Color Emoji')).toBeGreaterThanOrEqual(2);
    expect([...fonts.keys()].filter((family) => family !== 'Noto Color Emoji')).toEqual([]);

    await message.hover();
    await a.getByRole('button', { name: 'React with 😂' }).waitFor();
    const reaction = await fontsOf(a, `[data-message-id="${id}"] .actions button[aria-label="React with 😂"]`);
    expect([...reaction.keys()]).toEqual(['Noto Color Emoji']);

    // Digits stay in the text font although the emoji font has glyphs for them too.
    const digits = await send(a, 'Meet at 10:30 #4');
    const digitsId = await digits.getAttribute('data-message-id');
    expect((await fontsOf(a, `[data-message-id="${digitsId}"] .body`)).has('Noto Color Emoji')).toBe(false);
    await ada.screenshots('emoji-in-colour');
  });

  it('lays out right-to-left text right to left in messages, the list and the header (defect 11)', async () => {
    const a = ada.page;
    const message = await send(a, HEBREW);
    const direction = (locator: Locator): Promise<string> => locator.evaluate((el) => (globalThis as unknown as PageStyles).getComputedStyle(el).direction);
    expect(await direction(message.locator('.body'))).toBe('rtl');
    const row = a.getByTestId('conversation-item');
    await expect.poll(() => row.locator('.preview').textContent()).toContain(HEBREW);
    expect(await direction(row.locator('.preview'))).toBe('rtl');
    expect(await direction(row.locator('.name'))).toBe('rtl');
    expect(await direction(a.locator('#conversation-title'))).toBe('rtl');

    // A left-to-right message right after stays left to right.
    const english = await send(a, 'See you at base camp');
    expect(await direction(english.locator('.body'))).toBe('ltr');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await ada.screenshots('right-to-left');
  });

  it('shows the hover toolbar beside the message, covering nothing of the message above, with the rest in a menu (defect 9)', async () => {
    const a = ada.page;
    const above = await send(a, 'First the ridge, then the hut.');
    const below = await send(a, 'Ok');
    await below.hover();
    const toolbar = below.getByRole('toolbar', { name: 'Message actions' });
    await expect.poll(() => toolbar.evaluate((el) => (globalThis as unknown as PageStyles).getComputedStyle(el).opacity)).toBe('1');
    const box = await toolbar.boundingBox();
    const aboveBox = await above.boundingBox();
    const list = await a.getByTestId('message').first().evaluate((el) => {
      const scroller = el.closest('[data-testid="message-list"]') ?? el.parentElement;
      const r = (scroller ?? el).getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
    if (!box || !aboveBox) throw new Error('no boxes');
    const overlaps = (p: typeof box, q: typeof box): boolean =>
      p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;
    expect(overlaps(box, aboveBox)).toBe(false);
    // Entirely inside the visible list.
    expect(box.x).toBeGreaterThanOrEqual(list.x);
    expect(box.x + box.width).toBeLessThanOrEqual(list.x + list.width);

    // Edit, delete for everyone and delete for me are in a menu, operable from the keyboard.
    await toolbar.getByRole('button', { name: 'More actions' }).focus();
    await a.keyboard.press('Enter');
    const items = a.getByRole('menuitem');
    await expect.poll(() => items.allTextContents()).toEqual(['Edit', 'Delete for everyone', 'Delete for me']);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await ada.screenshots('message-toolbar-menu');
    await a.keyboard.press('Escape');
    await expect.poll(() => items.count()).toBe(0);
  });
});
