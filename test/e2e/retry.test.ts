/**
 * Sending while the network is down (issue 12, issue 17 defect 5): the text is in the list at
 * once, pending, under one banner, and goes out by itself when the network is back. "Not sent"
 * with the reason and "Retry": a message the server refused for good (its sender was removed
 * meanwhile) is sent again from its Retry button (keyboard) once it can be. Also: editing a
 * message tells nobody that the user is typing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import type { TcpProxy } from '../support/tcpProxy';
import { startTcpProxy } from '../support/tcpProxy';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, groupWith, launchSignedUp, userOf } from './support/signUp';

const env = useTestServer('e2e-retry');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let proxy: TcpProxy;
let alice: TestClient;
let bob: TestClient;
let conversationId: string;

beforeAll(async () => {
  proxy = await startTcpProxy(env.server.url);
  // Alice's device reaches the server through the proxy, so the test can cut her network.
  alice = await launchSignedUp(hostEnv.host, { ...env.server, url: proxy.url }, env.root, { profile: 'alice', email: 'alice@example.test', name: 'Alice Moss' });
  bob = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'bob', email: 'bob@example.test', name: 'Bob Lichen', colorScheme: 'dark' });
  // Bob makes the group (an admin), so that he can remove Alice and add her back.
  conversationId = await groupWith(bob, alice, 'Scree slope');
  await alice.page.getByTestId('conversation-item').filter({ hasText: 'Scree slope' }).click();
  await bob.page.getByTestId('conversation-item').filter({ hasText: 'Scree slope' }).click();
}, 120_000);

afterAll(async () => {
  await proxy?.close();
});

/** Records, in the page, every error banner and "Not sent" that ever shows from now on. */
async function watchForFailures(client: TestClient): Promise<() => Promise<string[]>> {
  await client.page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as unknown as { failuresSeen: string[] }).failuresSeen = seen;
    type Observer = new (callback: () => void) => { observe(target: unknown, options: Readonly<Record<string, boolean>>): void };
    type Doc = { body: unknown; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };
    const MutationObserver = (globalThis as unknown as { MutationObserver: Observer }).MutationObserver;
    const doc = (globalThis as unknown as { document: Doc }).document;
    new MutationObserver(() => {
      for (const element of Array.from(doc.querySelectorAll('[data-error-code], [data-status="failed"]'))) seen.push(element.textContent?.trim() ?? '');
    }).observe(doc.body, { childList: true, characterData: true, subtree: true });
  });
  return () => client.page.evaluate(() => (globalThis as unknown as { failuresSeen: string[] }).failuresSeen);
}

describe('a message sent while offline', () => {
  it('is in the list at once as pending, under one banner, and is delivered when the network is back, without Retry', async () => {
    const a = alice.page;
    const composer = a.getByLabel('Message Scree slope');
    const failuresSeen = await watchForFailures(alice);
    proxy.outage();
    // The app has noticed: the banner says the connection is down.
    await a.locator('[data-connection="offline"], [data-connection="connecting"]').first().waitFor({ timeout: 30_000 });
    await composer.fill('Rope is in the blue bag.');
    await composer.press('Enter');
    const message = a.getByTestId('message').filter({ hasText: 'Rope is in the blue bag.' });
    // At once: in the list, marked as being sent, and the composer is empty.
    await expect.poll(() => message.count(), { timeout: 2_000, interval: 50 }).toBe(1);
    expect(await composer.inputValue()).toBe('');
    const pending = message.locator('[data-status="pending"]');
    expect(await pending.textContent()).toContain('Sending…');
    // One banner says the connection is down; none says the message failed.
    expect(await a.locator('[data-connection], [data-error-code]').count()).toBe(1);
    expect(await message.getByRole('button', { name: 'Retry sending this message' }).count()).toBe(0);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('message-pending');

    proxy.restore();
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).toMatch(/Sent|Delivered|Read/);
    expect(await pending.count()).toBe(0);
    await expect
      .poll(() => bob.page.getByTestId('message').filter({ hasText: 'Rope is in the blue bag.' }).count(), { timeout: 15_000 })
      .toBe(1);
    // Never "Not sent", never an error banner: nobody had to press Retry.
    expect(await failuresSeen()).toEqual([]);
    await expect.poll(() => a.locator('[data-connection], [data-error-code]').count(), { timeout: 15_000 }).toBe(0);
  }, 120_000);
});

describe('editing', () => {
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

describe('a message that was not sent', () => {
  it('shows Retry and the reason next to "Not sent", and Retry sends it once it can be sent', async () => {
    const a = alice.page;
    const composer = a.getByLabel('Message Scree slope');
    const me = await userOf(alice);
    // Written while Alice is offline; meanwhile Bob removes her, so it can never be sent as it is.
    proxy.outage();
    await composer.fill('Crampons are in the car.');
    await composer.press('Enter');
    const message = a.getByTestId('message').filter({ hasText: 'Crampons are in the car.' });
    await expect.poll(() => message.count(), { timeout: 5_000 }).toBe(1);
    const removed = await bridgeRequest(bob.page, 'conversations.removeMember', { conversationId, member: me });
    expect(removed.ok).toBe(true);
    proxy.restore();
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).toContain('Not sent');
    expect(await message.getByTestId('failure-reason').textContent()).toMatch(/^[A-Z].{10,}\.$/);
    const retry = message.getByRole('button', { name: 'Retry sending this message' });
    expect(await retry.textContent()).toBe('Retry');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('message-not-sent');

    // Bob adds her back: the composer is there again, and Retry can work.
    const added = await bridgeRequest(bob.page, 'conversations.addMembers', { conversationId, members: [me] });
    expect(added.ok).toBe(true);
    await composer.waitFor({ timeout: 30_000 });
    // Bob's next message is in the epoch that brought her back: once it shows, her device holds the new group.
    const welcome = await bridgeRequest(bob.page, 'messages.send', { conversationId, text: 'Welcome back.' });
    expect(welcome.ok).toBe(true);
    await a.getByTestId('message').filter({ hasText: 'Welcome back.' }).waitFor({ timeout: 30_000 });
    // From the keyboard: the newest message (Bob's) is the list's tab stop; the arrow key moves it
    // to Alice's message, and its Retry joins the tab order.
    await a.getByTestId('message').filter({ hasText: 'Welcome back.' }).focus();
    await a.keyboard.press('ArrowUp');
    await expect.poll(() => retry.getAttribute('tabindex'), { timeout: 5_000 }).toBe('0');
    await retry.focus();
    await a.keyboard.press('Enter');
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).not.toContain('Not sent');
    expect(await retry.count()).toBe(0);
    await expect.poll(() => message.textContent(), { timeout: 15_000 }).toMatch(/Sent|Delivered|Read/);
    await expect
      .poll(() => bob.page.getByTestId('message').filter({ hasText: 'Crampons are in the car.' }).count(), { timeout: 15_000 })
      .toBe(1);
    await alice.screenshots('message-sent-again');
  }, 120_000);
});
