import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { groupWith, launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-edit-mentions');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root));
  await groupWith(alice, bob, 'Rope team');
  await bob.page.getByTestId('conversation-item').click();
  await alice.page.getByTestId('conversation-item').click();
});

describe('editing a message with mentions', () => {
  it('keeps a mention through an edit, drops it when its text is deleted, and mentions again from the @ list while editing', async () => {
    const a = alice.page;
    const b = bob.page;
    const composer = a.getByLabel('Message Rope team');
    await composer.pressSequentially('@Bo');
    await a.getByTestId('mention-list').getByRole('option', { name: 'Bob Lichen' }).waitFor();
    await composer.press('Enter');
    await composer.pressSequentially('can you bring the rope?');
    await composer.press('Enter');
    const atBob = (text: string) => b.getByTestId('message').filter({ hasText: text });
    await atBob('can you bring the rope?').locator('.mention.me').waitFor({ timeout: 15_000 });

    // Edited without touching the mention: Bob is still named.
    const mine = a.getByTestId('message').filter({ hasText: 'can you bring the rope?' });
    await mine.hover();
    await mine.getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Edit' }).click();
    expect(await composer.inputValue()).toBe('@Bob Lichen can you bring the rope?');
    await composer.press('End');
    await composer.pressSequentially(' And the map.');
    await composer.press('Enter');
    const kept = atBob('And the map.');
    await kept.waitFor({ timeout: 15_000 });
    expect(await kept.locator('.mention.me').textContent()).toBe('@Bob Lichen');
    expect(await kept.getAttribute('class')).toContain('mentions-me');
    expect(await kept.textContent()).toContain('edited');
    await bob.screenshots('edit-keeps-mention');

    // Edited with the "@Bob Lichen" deleted: no longer a mention of Bob.
    const edited = a.getByTestId('message').filter({ hasText: 'And the map.' });
    await edited.hover();
    await edited.getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Edit' }).click();
    await composer.fill('Who can bring the rope? And the map.');
    await composer.press('Enter');
    const dropped = atBob('Who can bring the rope?');
    await dropped.waitFor({ timeout: 15_000 });
    expect(await dropped.locator('.mention').count()).toBe(0);
    expect(await dropped.getAttribute('class')).not.toContain('mentions-me');

    // While editing, the @ list offers the members as in a new message.
    const plain = a.getByTestId('message').filter({ hasText: 'Who can bring the rope?' });
    await plain.hover();
    await plain.getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Edit' }).click();
    await composer.press('End');
    await composer.pressSequentially(' Maybe @Bo');
    await a.getByTestId('mention-list').getByRole('option', { name: 'Bob Lichen' }).waitFor();
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('edit-mention-list');
    await composer.press('Enter');
    await composer.pressSequentially('?');
    await composer.press('Enter');
    const again = atBob('Maybe @Bob Lichen ?');
    await again.locator('.mention.me').waitFor({ timeout: 15_000 });
    expect(await again.locator('.mention.me').textContent()).toBe('@Bob Lichen');
    await alice.screenshots('edit-mention-saved');
  });
});
