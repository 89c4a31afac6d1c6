import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchAliceAndBob, pickInPage } from './support/signUp';

const env = useTestServer('e2e-messaging');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root));
  // Strangers are found by username; an address finds only people one already knows (docs/SECURITY.md §10).
  const handle = await bridgeRequest(bob.page, 'account.updateProfile', { handle: 'bob.lichen' });
  if (!handle.ok) throw new Error(handle.error?.message);
});

describe('two people chatting in a group', () => {
  it('Alice creates a group with Bob, they exchange messages, both see them', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'New group' }).click();
    await a.getByLabel('Group name').fill('Moss & Lichen');
    await a.getByLabel('Add people').fill('bob.lichen');
    await a.getByLabel('Add people').press('Enter');
    await a.getByRole('button', { name: 'Add', exact: true }).click();
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('new-group');
    await a.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => a.getByRole('heading', { name: 'Moss & Lichen' }).isVisible(), { timeout: 15_000 }).toBe(true);

    await a.getByLabel('Message Moss & Lichen').fill('Hello Bob, this is end-to-end encrypted.');
    await a.getByLabel('Message Moss & Lichen').press('Enter');
    await expect.poll(() => a.getByTestId('message').last().textContent()).toContain('Hello Bob, this is end-to-end encrypted.');

    const b = bob.page;
    await expect.poll(() => b.getByTestId('conversation-item').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => b.getByLabel('1 unread').isVisible(), { timeout: 15_000 }).toBe(true);
    await bob.screenshots('conversation-list-unread');
    await b.getByTestId('conversation-item').click();
    await expect.poll(() => b.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('Hello Bob');
    await expect.poll(() => b.getByLabel('1 unread').count(), { timeout: 15_000 }).toBe(0);
    // Alice learns that Bob has read it.
    await expect.poll(() => a.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('Read');
    expect(await b.getByTestId('message').last().textContent()).toContain('Alice Moss');

    await b.getByLabel('Message Moss & Lichen').fill('Hi Alice!\nTwo lines, still private.');
    await b.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => a.getByTestId('message').count(), { timeout: 15_000 }).toBe(2);
    expect(await a.getByTestId('message').last().textContent()).toContain('Two lines, still private.');
    await expect.poll(() => a.getByTestId('conversation-item').textContent(), { timeout: 15_000 }).toContain('Two lines, still private.');

    expect(await seriousA11yViolations(a)).toEqual([]);
    expect(await seriousA11yViolations(b)).toEqual([]);
    await alice.screenshots('conversation');
  });

  it('Bob starts a 1:1 chat with Alice; it is named after the other person on each side', async () => {
    const b = bob.page;
    await b.getByRole('button', { name: 'New chat' }).click();
    await b.getByLabel('Add people').fill('alice@example.test');
    await b.getByLabel('Add people').press('Enter');
    await b.getByRole('button', { name: 'Message', exact: true }).click();
    await expect.poll(() => b.getByRole('heading', { name: 'Alice Moss' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await b.getByLabel('Message Alice Moss').fill('Just between us.');
    await b.getByLabel('Message Alice Moss').press('Enter');

    const a = alice.page;
    await expect.poll(() => a.getByTestId('conversation-item').count(), { timeout: 15_000 }).toBe(2);
    await a.getByTestId('conversation-item').filter({ hasText: 'Bob Lichen' }).click();
    await expect.poll(() => a.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('Just between us.');
    // Bob starts typing; Alice sees it, and it clears when he sends.
    await b.getByLabel('Message Alice Moss').pressSequentially('On my way', { delay: 20 });
    await expect.poll(() => a.getByTestId('typing').textContent(), { timeout: 15_000 }).toContain('Bob Lichen is typing…');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('one-to-one');
    await b.getByLabel('Message Alice Moss').press('Enter');
    await expect.poll(() => a.getByTestId('typing').textContent(), { timeout: 15_000 }).not.toContain('typing');

    // A self-deleting message is marked as such on the other side.
    // Disappearing messages are chosen from the conversation's options, and marked beside its name.
    await b.getByTestId('conversation-options').click();
    await b.getByRole('menuitemradio', { name: '1 minute' }).click();
    expect(await b.getByTestId('timer-mark').textContent()).toContain('1 minute');
    await b.getByLabel('Message Alice Moss').fill('This will vanish');
    await b.getByLabel('Message Alice Moss').press('Enter');
    await expect.poll(() => a.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('self-deleting');
    await alice.screenshots('self-deleting');
    await b.getByTestId('conversation-options').click();
    await b.getByRole('menuitemradio', { name: 'Off' }).click();
    expect(await b.getByTestId('timer-mark').count()).toBe(0);
  });

  it('edits the last message with the Up arrow, reacts, and deletes for everyone', async () => {
    const a = alice.page;
    const b = bob.page;
    await a.getByTestId('conversation-item').filter({ hasText: 'Moss & Lichen' }).click();
    await b.getByTestId('conversation-item').filter({ hasText: 'Moss & Lichen' }).click();
    const composer = a.getByLabel('Message Moss & Lichen');
    await composer.fill('See you at teh summit');
    await composer.press('Enter');
    await expect.poll(() => b.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('See you at teh summit');

    await composer.press('ArrowUp');
    expect(await composer.inputValue()).toBe('See you at teh summit');
    await composer.fill('See you at the summit');
    await composer.press('Enter');
    await expect.poll(() => b.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('See you at the summit');
    expect(await b.getByTestId('message').last().textContent()).toContain('edited');

    const last = b.getByTestId('message').last();
    await last.hover();
    await last.getByRole('button', { name: 'React with 👍' }).click();
    await expect
      .poll(() => a.getByTestId('message').last().getByRole('button', { name: 'React with 👍' }).first().textContent(), { timeout: 15_000 })
      .toContain('1');
    await alice.screenshots('conversation-reaction');

    await a.getByTestId('message').last().hover();
    await a.getByTestId('message').last().getByRole('button', { name: 'More actions' }).click();
    await a.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await a.getByTestId('delete-confirm').getByRole('button', { name: 'Delete for everyone' }).click();
    await expect.poll(() => b.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('This message was deleted.');
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('conversation-deleted');
  });

  it('shows a file sent into the conversation as a file card on the other side', async () => {
    const file = path.join(env.root, 'ridge-photo.jpg');
    await writeFile(file, Buffer.alloc(48 * 1024, 7));
    const list = await bridgeRequest(alice.page, 'conversations.list', {});
    const conversations = (list.value as { conversations: Array<{ id: string; name: string | null }> }).conversations;
    const target = conversations.find((c) => c.name === 'Moss & Lichen');
    const [picked] = await pickInPage(alice, [file]);
    const sent = await bridgeRequest(alice.page, 'files.send', { conversationId: target?.id, grant: picked?.grant });
    expect(sent.ok).toBe(true);
    const b = bob.page;
    await expect.poll(() => b.getByTestId('file-card').last().textContent(), { timeout: 15_000 }).toContain('ridge-photo.jpg');
    expect(await b.getByTestId('file-card').last().textContent()).toContain('48 KB');
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('conversation-file');
  });

  it('an admin removes a member from the members panel; the removed member can no longer write', async () => {
    const a = alice.page;
    await a.getByTestId('conversation-item').filter({ hasText: 'Moss & Lichen' }).click();
    await a.getByRole('button', { name: '2 members' }).click();
    await expect.poll(() => a.getByTestId('member-row').count()).toBe(2);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('members-panel');
    await a.getByTestId('member-row').filter({ hasText: 'Bob Lichen' }).getByRole('button', { name: 'Remove' }).click();
    await a.getByTestId('remove-confirm').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => a.getByTestId('member-row').count(), { timeout: 15_000 }).toBe(1);

    const b = bob.page;
    await b.getByTestId('conversation-item').filter({ hasText: 'Moss & Lichen' }).click();
    await expect
      .poll(() => b.getByText('You are no longer in this conversation.', { exact: false }).isVisible(), { timeout: 15_000 })
      .toBe(true);
  });
});
