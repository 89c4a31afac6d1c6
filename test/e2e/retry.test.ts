/**
 * "Not sent" with "Retry": a message that failed while the network was down is sent again from
 * its Retry button (keyboard), and the list follows the core's events. Also: editing a message
 * tells nobody that the user is typing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import type { TcpProxy } from '../support/tcpProxy';
import { startTcpProxy } from '../support/tcpProxy';
import { useTestServer } from '../support/testServer';
import { groupWith, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-retry');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let proxy: TcpProxy;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  proxy = await startTcpProxy(env.server.url);
  // Alice's device reaches the server through the proxy, so the test can cut her network.
  alice = await launchSignedUp(hostEnv.host, { ...env.server, url: proxy.url }, env.root, { profile: 'alice', email: 'alice@example.test', name: 'Alice Moss' });
  bob = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'bob', email: 'bob@example.test', name: 'Bob Lichen', colorScheme: 'dark' });
  await groupWith(alice, bob, 'Scree slope');
  await alice.page.getByTestId('conversation-item').filter({ hasText: 'Scree slope' }).click();
  await bob.page.getByTestId('conversation-item').filter({ hasText: 'Scree slope' }).click();
}, 120_000);

afterAll(async () => {
  await proxy?.close();
});

describe('a message that was not sent', () => {
  it('shows Retry next to "Not sent", and Retry sends it once the network is back', async () => {
    const a = alice.page;
    const composer = a.getByLabel('Message Scree slope');
    proxy.outage();
    await composer.fill('Rope is in the blue bag.');
    await composer.press('Enter');
    const message = a.getByTestId('message').filter({ hasText: 'Rope is in the blue bag.' });
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).toContain('Not sent');
    // The message is in the list with Retry, so the composer is empty: Send again would duplicate it.
    expect(await composer.inputValue()).toBe('');
    const retry = message.getByRole('button', { name: 'Retry sending this message' });
    expect(await retry.textContent()).toBe('Retry');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('message-not-sent');

    proxy.restore();
    // From the keyboard: the newest message is the list's tab stop, and its Retry is in the tab order.
    expect(await retry.getAttribute('tabindex')).toBe('0');
    await retry.focus();
    await a.keyboard.press('Enter');
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).not.toContain('Not sent');
    expect(await retry.count()).toBe(0);
    await expect.poll(() => message.textContent(), { timeout: 15_000 }).toMatch(/Sent|Delivered|Read/);
    await expect
      .poll(() => bob.page.getByTestId('message').filter({ hasText: 'Rope is in the blue bag.' }).count(), { timeout: 15_000 })
      .toBe(1);
    await alice.screenshots('message-sent-again');
  }, 120_000);

  it('tells nobody that the user is typing while a message is being edited', async () => {
    const a = alice.page;
    const b = bob.page;
    // Everything Bob's typing line ever shows from now on.
    await b.getByTestId('typing').evaluate((element) => {
      const seen: string[] = [];
      (globalThis as unknown as { typingSeen: string[] }).typingSeen = seen;
      // Test code is type-checked without the DOM library: the page's own MutationObserver, typed here.
      type Observer = new (callback: () => void) => { observe(target: unknown, options: Readonly<Record<string, boolean>>): void };
      const MutationObserver = (globalThis as unknown as { MutationObserver: Observer }).MutationObserver;
      new MutationObserver(() => {
        const text = element.textContent?.trim() ?? '';
        if (text !== '') seen.push(text);
      }).observe(element, { childList: true, characterData: true, subtree: true });
    });
    const typingSeen = (): Promise<string[]> => b.evaluate(() => (globalThis as unknown as { typingSeen: string[] }).typingSeen);

    const mine = a.getByTestId('message').filter({ hasText: 'Rope is in the blue bag.' });
    await mine.hover();
    await mine.getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Edit' }).click();
    const composer = a.getByLabel('Message Scree slope');
    await composer.fill('');
    await composer.pressSequentially('Rope is in the red bag.', { delay: 20 });
    await composer.press('Enter');
    // The edit reached Bob; typing news sent before it would have reached him first.
    await expect.poll(() => b.getByTestId('message').filter({ hasText: 'Rope is in the red bag.' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await typingSeen()).toEqual([]);

    // A new message being written is news, as before.
    await composer.pressSequentially('Leaving at', { delay: 20 });
    await expect.poll(typingSeen, { timeout: 15_000 }).toContain('Alice Moss is typing…');
  }, 60_000);
});
