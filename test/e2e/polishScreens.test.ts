import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { groupWith, launchAliceAndBob } from './support/signUp';

/**
 * The screens a new user sees first, in light and dark, for the before/after pictures of issue 17's
 * polish (docs/ui/polish/): the empty list, a group conversation with its composer, the details
 * panel, verification and settings. Every screen is checked with axe as it is photographed.
 */
const env = useTestServer('e2e-polish-screens');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root, 'light'));
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
});

async function send(client: TestClient, text: string): Promise<void> {
  const composer = client.page.getByRole('textbox', { name: /message/i });
  await composer.fill(text);
  await composer.press('Enter');
  await expect.poll(() => client.page.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain(text);
}

describe('the polished screens', () => {
  it('photographs the empty list, a group conversation, its details, verification and settings', async () => {
    const a = alice.page;
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-empty');

    await groupWith(alice, bob, 'Scree slope');
    await a.getByTestId('conversation-item').filter({ hasText: 'Scree slope' }).click();
    await bob.page.getByTestId('conversation-item').filter({ hasText: 'Scree slope' }).click();
    await send(alice, 'Morning! Shall we take the ridge path today?');
    await send(alice, 'The forecast says clear until three.');
    await send(bob, 'Yes, let’s go 👍');
    await send(bob, '🎉');
    await send(bob, 'I’ll bring the rope and the map.');
    await expect.poll(() => a.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('the rope and the map');
    await send(alice, 'Great, see you at eight at the car park.');
    await a.getByRole('textbox', { name: /message/i }).fill('Don’t forget the');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-group');
    expect(await seriousA11yViolations(bob.page)).toEqual([]);
    await bob.screenshots('polish-group-added');

    await a.locator('section.conversation > header').getByRole('button', { name: /members|details/i }).first().click();
    await a.getByText('Bob Lichen').first().waitFor();
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-details');

    await a.getByTestId('open-verification').click();
    await expect.poll(() => a.getByTestId('verification-panel').getByTestId('device-row').count(), { timeout: 15_000 }).toBe(2);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-verification');

    await a.getByRole('button', { name: 'Settings', exact: true }).click();
    await a.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('polish-settings');
  });
});
