import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { groupWith, launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-replies');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root));
  await groupWith(alice, bob, 'Map room');
  await bob.page.getByTestId('conversation-item').click();
  await alice.page.getByTestId('conversation-item').click();
});

describe('replies, mentions, pings and delete for me', () => {
  it('Alice replies to Bob and mentions him from the @ list; Bob sees the quote and that he was named', async () => {
    const a = alice.page;
    const b = bob.page;
    await b.getByLabel('Message Map room').fill('Who has the map of the north ridge?');
    await b.getByLabel('Message Map room').press('Enter');
    const question = a.getByTestId('message').filter({ hasText: 'Who has the map' });
    await question.waitFor({ timeout: 15_000 });

    await question.hover();
    await question.getByRole('button', { name: 'Reply' }).click();
    await expect.poll(() => a.getByTestId('reply-bar').textContent()).toContain('Replying to Bob Lichen');
    const composer = a.getByLabel('Message Map room');
    await composer.pressSequentially('I do, @Bo');
    const list = a.getByTestId('mention-list');
    await expect.poll(() => list.getByRole('option').allTextContents()).toEqual([expect.stringContaining('Bob Lichen')]);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('composer-reply-mention');
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe('I do, @Bob Lichen ');
    await composer.pressSequentially('— it is in the red bag.');
    await composer.press('Enter');

    const reply = b.getByTestId('message').filter({ hasText: 'it is in the red bag' });
    await reply.waitFor({ timeout: 15_000 });
    expect(await reply.getByTestId('quote').textContent()).toContain('Who has the map of the north ridge?');
    expect(await reply.locator('.mention.me').textContent()).toBe('@Bob Lichen');
    expect(await reply.getAttribute('class')).toContain('mentions-me');
    await bob.screenshots('conversation-reply');
    // Alice's reply shows that it reached Bob's device (delivered, then read as he has it open).
    await expect.poll(() => a.getByTestId('message').last().textContent(), { timeout: 15_000 }).toMatch(/Delivered|Read/);
  });

  it('Bob pings; Alice sees it', async () => {
    await bob.page.getByRole('button', { name: 'More options for Map room' }).click();
    await bob.page.getByRole('menuitem', { name: 'Ping everyone…' }).click();
    await bob.page.getByTestId('ping-confirm').getByRole('button', { name: 'Ping everyone' }).click();
    await expect.poll(() => alice.page.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('Bob Lichen pinged');
  });

  it('Alice deletes a message of Bob for herself only', async () => {
    const a = alice.page;
    // Bob's question itself, not Alice's reply that quotes it.
    const question = a.getByTestId('message').filter({ hasText: 'Who has the map' }).filter({ hasNotText: 'red bag' });
    await question.hover();
    await question.getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Delete for me' }).click();
    await expect.poll(() => question.count()).toBe(0);
    expect(await bob.page.getByTestId('message').filter({ hasText: 'Who has the map' }).filter({ hasNotText: 'red bag' }).count()).toBe(1);
    // The reply that quoted it now says the original is gone.
    await a.getByTestId('conversation-item').click();
    await expect
      .poll(() => a.getByTestId('message').filter({ hasText: 'red bag' }).getByTestId('quote').textContent(), { timeout: 10_000 })
      .toContain('no longer available');
  });
});
