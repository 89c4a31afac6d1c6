/**
 * Coming back after messages piled up: while the device stores what arrived while it was away it
 * says it is catching up (only when that takes a while), then shows everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import type { TcpProxy } from '../support/tcpProxy';
import { startTcpProxy } from '../support/tcpProxy';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, groupWith, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-catch-up');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
const WAITING = 300;
let proxy: TcpProxy;
let alice: TestClient;
let bob: TestClient;
let conversationId: string;

beforeAll(async () => {
  proxy = await startTcpProxy(env.server.url);
  // Alice's device reaches the server through the proxy, so the test can take her offline.
  alice = await launchSignedUp(hostEnv.host, { ...env.server, url: proxy.url }, env.root, { profile: 'alice', email: 'alice@example.test', name: 'Alice Moss' });
  bob = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'bob', email: 'bob@example.test', name: 'Bob Lichen' });
  conversationId = await groupWith(bob, alice, 'Long traverse');
}, 120_000);

afterAll(async () => {
  await proxy?.close();
});

describe('coming back online', () => {
  it('says it is catching up while it stores what arrived meanwhile, then shows it all', async () => {
    const banner = alice.page.locator('[data-connection]');
    proxy.outage();
    await expect.poll(() => banner.getAttribute('data-connection'), { timeout: 15_000 }).toBe('offline');
    // Bob writes a lot while Alice is away (all at once: his core encrypts them in turn).
    const sent = await bob.page.evaluate(
      async ([id, count]) => {
        const cairn = (globalThis as unknown as { cairn: { request(c: string, p: unknown): Promise<{ ok: boolean }> } }).cairn;
        const results = await Promise.all(Array.from({ length: count }, (_, i) => cairn.request('messages.send', { conversationId: id, text: `pitch ${i + 1}` })));
        return results.filter((r) => r.ok).length;
      },
      [conversationId, WAITING] as const,
    );
    expect(sent).toBe(WAITING);
    // Sending is optimistic: the requests answered once the messages were stored on Bob's device.
    // All of them at the server before Alice is back, so that she meets them as one backlog.
    const sentByBob = async (): Promise<number> => {
      const list = await bridgeRequest(bob.page, 'messages.list', { conversationId, limit: WAITING + 20 });
      const messages = (list.value as { messages: Array<{ text: string | null; status: string }> } | undefined)?.messages ?? [];
      return messages.filter((m) => m.text?.startsWith('pitch ') && m.status === 'sent').length;
    };
    await expect.poll(sentByBob, { timeout: 60_000 }).toBe(WAITING);

    // Back on a slow line: what waited takes a few seconds to arrive.
    proxy.restore();
    proxy.throttle(64 * 1024);
    await expect.poll(() => banner.getAttribute('data-connection'), { timeout: 30_000, interval: 50 }).toBe('catching-up');
    expect(await banner.textContent()).toContain('Catching up');
    expect(await seriousA11yViolations(alice.page)).toEqual([]);
    await alice.screenshots('catching-up');
    // Online: the banner goes, and the newest of Bob's messages is there.
    await expect.poll(() => banner.count(), { timeout: 60_000 }).toBe(0);
    proxy.throttle(undefined);
    const status = await bridgeRequest(alice.page, 'connection.status', {});
    expect(status.value).toMatchObject({ state: 'online' });
    await alice.page.getByTestId('conversation-item').filter({ hasText: 'Long traverse' }).click();
    await alice.page.getByTestId('message').filter({ hasText: `pitch ${WAITING}` }).waitFor({ timeout: 15_000 });
  }, 180_000);
});
