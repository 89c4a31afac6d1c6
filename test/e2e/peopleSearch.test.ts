import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchAliceAndBob, launchSignedUp, userOf } from './support/signUp';

const env = useTestServer('e2e-people-search');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;

beforeAll(async () => {
  const launched = await launchAliceAndBob(hostEnv.host, env.server, env.root);
  alice = launched.alice;
  const carol = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'carol', email: 'carol@example.test', name: 'Carol Fern' });
  // An address finds only people one already shares a conversation with (docs/SECURITY.md §10).
  const group = await bridgeRequest(alice.page, 'conversations.create', { name: 'Acquainted', members: [await userOf(launched.bob), await userOf(carol)] });
  if (!group.ok) throw new Error(group.error?.message);
  await carol.close();
});

/** Each test opens its own dialog; one left open by a failed test would cover the next one's button. */
afterEach(async () => {
  const cancel = alice.page.getByRole('dialog').getByRole('button', { name: 'Cancel' });
  if ((await cancel.count()) > 0) await cancel.click();
});

/**
 * Records, from inside the page, every moment the results list offers `name` while the search box
 * holds anything other than `address`: a poll from the test could miss a brief flash, so it checks
 * on every change of the page and after every keystroke once the UI has rendered it.
 */
async function watchForStale(page: Page, name: string, address: string): Promise<() => Promise<readonly string[]>> {
  // A script string: this project's test code is compiled without the DOM library.
  await page.evaluate(`(() => {
    const name = ${JSON.stringify(name)};
    const address = ${JSON.stringify(address)};
    const seen = [];
    window.staleSeen = seen;
    const check = () => {
      const box = document.querySelector('#group-search');
      const offered = [...document.querySelectorAll('[role="dialog"] li')].some((li) => li.textContent.includes(name));
      if (box && offered && box.value.trim() !== address) seen.push(box.value);
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    // Typing changes the box's value, not the DOM; check once the UI has handled the keystroke.
    document.addEventListener('input', () => setTimeout(check, 0), true);
  })()`);
  return async () => z.array(z.string()).parse(await page.evaluate('[...window.staleSeen]'));
}

describe('searching for people in the new-chat dialog', () => {
  it('searches as Alice types and never offers the previous person after the text changed', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'New chat' }).click();
    const box = a.getByRole('searchbox', { name: 'Add people' });
    const results = a.getByRole('dialog').getByRole('list');
    const status = a.getByTestId('people-search-status');

    // No Enter: the search runs when typing pauses.
    await box.pressSequentially('bob@example.test', { delay: 20 });
    await expect.poll(() => results.getByRole('listitem').filter({ hasText: 'Bob Lichen' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await results.getByRole('button', { name: 'Message', exact: true }).count()).toBe(1);
    await expect.poll(() => status.textContent()).toBe('1 person found.');

    const staleSeen = await watchForStale(a, 'Bob Lichen', 'bob@example.test');
    await box.press('Control+A');
    for (const key of 'carol@example.test') {
      await box.press(key);
      // Polled after every key as well: Bob is never offered for this text.
      expect(await results.getByRole('listitem').filter({ hasText: 'Bob Lichen' }).count()).toBe(0);
    }
    await expect.poll(() => results.getByRole('listitem').filter({ hasText: 'Carol Fern' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await results.getByRole('listitem').count()).toBe(1);
    expect(await staleSeen()).toEqual([]);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('new-chat-search');
  });

  it('drops the answer to an Enter search when the text changed before it arrived', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'New chat' }).click();
    const box = a.getByRole('searchbox', { name: 'Add people' });
    const results = a.getByRole('dialog').getByRole('list');
    const staleSeen = await watchForStale(a, 'Bob Lichen', 'bob@example.test');
    await box.fill('bob@example.test');
    await box.press('Enter');
    // Straight on, without waiting for the answer: whenever Bob's answer lands, the text is Carol's.
    await box.press('Control+A');
    await box.pressSequentially('carol@example.test', { delay: 10 });
    await box.press('Enter');
    await expect.poll(() => results.getByRole('listitem').filter({ hasText: 'Carol Fern' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await staleSeen()).toEqual([]);

    // Half an address is not sent (each complete one costs one of 30 lookups an hour); the dialog says why.
    await box.fill('dana@exa');
    await expect.poll(() => a.getByTestId('people-search-status').textContent()).toBe('Type the whole e-mail address to search for it.');
    expect(await results.count()).toBe(0);
    await box.press('Enter');
    expect(await results.count()).toBe(0);

    await box.fill('nobody@example.test');
    await expect.poll(() => a.getByTestId('people-search-status').textContent(), { timeout: 15_000 }).toBe('Nobody found.');
    await a.keyboard.press('Escape');
    await expect.poll(() => a.getByRole('dialog').count()).toBe(0);
  });

  it('says plainly when the hourly budget of address lookups is spent', async () => {
    const a = alice.page;
    // Spend what is left of Alice's 30 address lookups this hour through the core, as the dialog would.
    let refused: string | undefined;
    for (let i = 0; i < 40 && refused === undefined; i += 1) {
      const answer = await bridgeRequest(a, 'users.search', { query: `nobody${i}@example.test` });
      if (!answer.ok) refused = answer.error?.code;
    }
    expect(refused).toBe('rate-limited');

    await a.getByRole('button', { name: 'New chat' }).click();
    const box = a.getByRole('searchbox', { name: 'Add people' });
    const status = a.getByTestId('people-search-status');
    await box.fill('bob@example.test');
    await expect
      .poll(() => status.textContent(), { timeout: 15_000 })
      .toBe('You have looked up many e-mail addresses in the last hour. Wait a while, or search by username.');
    expect(await a.getByRole('dialog').getByRole('listitem').count()).toBe(0);
    expect(await seriousA11yViolations(a)).toEqual([]);
  });

  it('searches as an admin types in the members panel too, without Enter', async () => {
    const dana = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'dana', email: 'dana@example.test', name: 'Dana Scree' });
    expect((await bridgeRequest(dana.page, 'account.updateProfile', { handle: 'dana.scree' })).ok).toBe(true);
    await dana.close();
    const a = alice.page;
    const created = await bridgeRequest(a, 'conversations.create', { name: 'Summit team', members: [] });
    expect(created.ok).toBe(true);
    await a.getByTestId('conversation-item').filter({ hasText: 'Summit team' }).click();
    await a.getByRole('button', { name: '1 member' }).click();
    const box = a.getByRole('searchbox', { name: 'Add people' });
    const panel = a.getByRole('complementary', { name: 'Members' });
    await box.pressSequentially('dana.sc', { delay: 20 });
    await expect.poll(() => panel.getByText('Dana Scree').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => a.getByTestId('members-search-status').textContent()).toBe('1 person found.');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('members-panel-search');

    // Another text: Dana is gone at once, and nobody matches.
    await box.fill('zz-nobody');
    expect(await panel.getByText('Dana Scree').count()).toBe(0);
    await expect.poll(() => a.getByTestId('members-search-status').textContent(), { timeout: 15_000 }).toBe('Nobody found.');
  });
});
