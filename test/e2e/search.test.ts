import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-search');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;

async function create(name: string): Promise<string> {
  const created = await bridgeRequest(alice.page, 'conversations.create', { name, members: [] });
  if (!created.ok) throw new Error(created.error?.message);
  return (created.value as { id: string }).id;
}

async function send(conversationId: string, text: string): Promise<void> {
  const sent = await bridgeRequest(alice.page, 'messages.send', { conversationId, text });
  if (!sent.ok) throw new Error(sent.error?.message);
}

beforeAll(async () => {
  alice = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'alice', email: 'alice@example.test', name: 'Alice Moss' });
  const trail = await create('Trail crew');
  const lichen = await create('Lichen society');
  await create('Ridge runners');
  // The message searched for is older than the first page the conversation view loads.
  await send(lichen, 'The granite cairn at the north ridge marks the old path.');
  for (let i = 0; i < 130; i++) await send(lichen, `Trip report ${i}`);
  await send(trail, 'Bring a map; the granite steps are slippery.');
});

describe('finding things', () => {
  it('Ctrl+K opens the quick switcher; typing, arrows and Enter open a conversation; Esc closes it', async () => {
    const a = alice.page;
    await a.getByTestId('conversation-item').first().waitFor();
    await a.keyboard.press('Control+K');
    const switcher = a.getByTestId('quick-switcher');
    await switcher.waitFor();
    await expect.poll(() => switcher.getByRole('option').count()).toBe(3);
    await a.keyboard.type('r');
    // "Ridge runners" starts with r; "Trail crew" has an r inside a word and ranks after it.
    expect(await switcher.getByRole('option').allTextContents()).toEqual([
      expect.stringContaining('Ridge runners'),
      expect.stringContaining('Trail crew'),
    ]);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('quick-switcher');
    await a.keyboard.press('ArrowDown');
    expect(await switcher.getByRole('option', { selected: true }).textContent()).toContain('Trail crew');
    await a.keyboard.press('Enter');
    await expect.poll(() => switcher.count()).toBe(0);
    await a.getByRole('heading', { name: 'Trail crew' }).waitFor();

    await a.keyboard.press('Control+K');
    await switcher.waitFor();
    await a.keyboard.press('Escape');
    await expect.poll(() => switcher.count()).toBe(0);

    // Alt+Down / Alt+Up walk the conversation list in its order, wrapping around.
    const order = (await a.getByTestId('conversation-item').locator('.name').allTextContents()).map((text) => text.trim());
    const heading = async (): Promise<string> => (await a.getByRole('heading', { level: 1 }).textContent()) ?? '';
    const at = order.indexOf('Trail crew');
    expect(at).toBeGreaterThanOrEqual(0);
    await a.keyboard.press('Alt+ArrowDown');
    await expect.poll(() => heading()).toBe(order[(at + 1) % order.length]);
    await a.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => heading()).toBe('Trail crew');
  });

  it('searching finds conversations and message text, and a result opens the conversation at that message', async () => {
    const a = alice.page;
    await a.getByTestId('search-input').fill('granite');
    const results = a.getByTestId('search-results');
    await expect.poll(() => results.getByTestId('search-message').count(), { timeout: 10_000 }).toBe(2);
    expect(await results.locator('mark').first().textContent()).toBe('granite');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('search-results');

    // The older of the two: 130 newer messages follow it in its conversation.
    await results.getByTestId('search-message').filter({ hasText: 'north ridge' }).click();
    await a.getByRole('heading', { name: 'Lichen society' }).waitFor();
    const found = a.getByTestId('message').filter({ hasText: 'The granite cairn at the north ridge' });
    await expect.poll(() => found.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await found.getAttribute('class')).toContain('highlighted');

    await a.getByTestId('search-input').press('Escape');
    expect(await a.getByTestId('search-input').inputValue()).toBe('');
    await expect.poll(() => a.getByTestId('conversation-item').count()).toBe(3);

    await a.getByTestId('search-input').fill('nothing like this');
    await expect.poll(() => results.textContent(), { timeout: 10_000 }).toContain('Nothing found for “nothing like this”.');
  });

  it('scrolling back through a long conversation loads older messages and ends at its beginning', async () => {
    const a = alice.page;
    await a.getByTestId('search-input').fill('');
    await a.getByTestId('conversation-item').filter({ hasText: 'Lichen society' }).click();
    await a.getByTestId('message').filter({ hasText: 'Trip report 129' }).waitFor();
    const list = a.getByTestId('message-list');
    await expect
      .poll(
        async () => {
          await list.evaluate((el) => el.scrollTo({ top: 0 }));
          return a.getByText('Messages in this conversation are end-to-end encrypted').count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await a.getByTestId('message').filter({ hasText: 'The granite cairn' }).waitFor();
    expect(await a.getByTestId('day-separator').count()).toBeGreaterThan(0);
  });
});
