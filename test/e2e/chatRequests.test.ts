import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-chat-requests');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root));
});

describe('chat requests by e-mail', () => {
  it('Alice sends a request from the New chat dialog with the same words for any address, Bob accepts from his list, the conversation opens on both sides', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'New chat' }).click();
    const box = a.getByRole('searchbox', { name: 'Add people' });
    const dialog = a.getByRole('dialog');
    const offer = a.getByTestId('chat-request-offer');

    // An address without an account reads exactly like Bob's, but for the address itself.
    await box.fill('nobody@example.test');
    await box.press('Enter');
    await offer.waitFor({ timeout: 15_000 });
    const forStranger = (await offer.textContent())?.replaceAll('nobody@example.test', 'ADDRESS');
    await box.fill('bob@example.test');
    await box.press('Enter');
    const send = dialog.getByRole('button', { name: 'Send a chat request to bob@example.test' });
    await send.waitFor({ timeout: 15_000 });
    expect((await offer.textContent())?.replaceAll('bob@example.test', 'ADDRESS')).toBe(forStranger);
    expect(await offer.textContent()).toContain('If bob@example.test uses Cairn, they get your request. You will see the conversation when they accept.');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('chat-request-offer');
    await send.click();
    await expect.poll(() => offer.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Chat request sent to bob@example.test.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    const b = bob.page;
    const requests = b.getByTestId('chat-requests');
    await expect.poll(() => requests.textContent(), { timeout: 15_000 }).toContain('Alice Moss wants to chat with you');
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('chat-request-list');
    // Keyboard: focus Accept and press Enter.
    await b.getByRole('button', { name: 'Accept the chat request from Alice Moss' }).focus();
    await b.keyboard.press('Enter');
    await expect.poll(() => b.getByRole('heading', { name: 'Alice Moss' }).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await requests.count()).toBe(0);

    const item = a.getByTestId('conversation-item').filter({ hasText: 'Bob Lichen' });
    await item.waitFor({ timeout: 20_000 });
    await item.click();
    await expect.poll(() => a.getByRole('heading', { name: 'Bob Lichen' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await a.getByLabel('Message Bob Lichen').fill('Thanks for accepting.');
    await a.getByLabel('Message Bob Lichen').press('Enter');
    await expect.poll(() => b.getByText('Thanks for accepting.').count(), { timeout: 20_000 }).toBeGreaterThan(0);
  });
});
