import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-profile');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root, 'light'));
});

describe('the profile in settings', () => {
  it('changes the name everywhere at once and claims a username that others find', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'Settings' }).click();
    await a.getByLabel('Name', { exact: true }).fill('Alice Granite');
    await a.getByLabel('Username').fill('Alice.Granite');
    // Typed capitals become lower case, as usernames are.
    expect(await a.getByLabel('Username').inputValue()).toBe('alice.granite');
    await a.getByRole('button', { name: 'Save profile' }).click();
    await a.getByText('Saved.').waitFor();
    expect(await a.getByTestId('signed-in-name').textContent()).toBe('Alice Granite');
    expect(await a.getByRole('region', { name: 'Profile' }).or(a.locator('section[aria-labelledby="profile-title"]')).first().textContent()).toContain(
      '@alice.granite',
    );
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('settings-profile');

    const b = bob.page;
    await b.getByRole('button', { name: 'New chat' }).click();
    await b.getByLabel('Add people').fill('alice.granite');
    await b.getByLabel('Add people').press('Enter');
    await expect.poll(() => b.getByRole('dialog').textContent(), { timeout: 10_000 }).toContain('Alice Granite');
    await b.keyboard.press('Escape');
  });

  it('says so when the username is taken or malformed, and changes nothing', async () => {
    const b = bob.page;
    await b.getByRole('button', { name: 'Settings' }).click();
    await b.getByLabel('Username').fill('a');
    await expect.poll(() => b.getByText('Use 2 or more lower-case letters').count()).toBe(1);
    expect(await b.getByRole('button', { name: 'Save profile' }).isDisabled()).toBe(false);
    await b.getByLabel('Username').fill('alice.granite');
    await b.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => b.getByRole('alert').allTextContents(), { timeout: 10_000 }).toEqual([expect.stringMatching(/taken|exists|in use/i)]);
    expect(await b.getByTestId('signed-in-name').textContent()).toBe('Bob Lichen');
  });
});
