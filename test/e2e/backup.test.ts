/**
 * Backups from the settings screen: Ada exports her history to an encrypted file where she
 * chooses (the test host plays the save dialog), then restores it on a new computer signed in
 * to the same account; a wrong password is refused in plain words and changes nothing.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { TEST_PASSWORD } from '../support/serverAccounts';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-backup');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let laptop: TestClient;
const BACKUP_PASSWORD = 'Moss-Backup-2026';

beforeAll(async () => {
  laptop = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'laptop', email: 'ada@example.test', name: 'Ada Fern' });
  const created = await bridgeRequest(laptop.page, 'conversations.create', { name: 'Field journal', members: [] });
  if (!created.ok) throw new Error(created.error?.message);
  const conversationId = (created.value as { id: string }).id;
  for (const text of ['Day one: moss on the north face.', 'Day two: lichen at 2000 m.', 'Day three: the cairn.']) {
    const sent = await bridgeRequest(laptop.page, 'messages.send', { conversationId, text });
    if (!sent.ok) throw new Error(sent.error?.message);
  }
});

describe('backups in settings', () => {
  const file = (): string => path.join(env.root, 'ada-history.cairnbackup');

  it('exports the history to an encrypted file the user chooses, with the password asked twice', async () => {
    const a = laptop.page;
    await a.getByRole('button', { name: 'Settings' }).click();
    await a.getByRole('button', { name: 'Export history…' }).click();
    await a.getByLabel('Backup password').fill(BACKUP_PASSWORD);
    await a.getByLabel('Repeat the password').fill('something else');
    await a.getByRole('button', { name: 'Choose where to save…' }).click();
    expect(await a.getByText('The two passwords differ.').count()).toBe(1);
    expect(laptop.shell.dialogs).toEqual([]);

    await a.getByLabel('Repeat the password').fill(BACKUP_PASSWORD);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await laptop.screenshots('settings-backup-export');
    laptop.shell.willChooseSavePath(file());
    await a.getByRole('button', { name: 'Choose where to save…' }).click();
    await expect.poll(() => a.getByRole('status').allTextContents(), { timeout: 30_000 }).toContainEqual(
      expect.stringMatching(/^Exported 3 messages from 1 conversations/),
    );
    expect((await stat(file())).size).toBeGreaterThan(0);
    expect(laptop.shell.dialogs.at(-1)).toMatchObject({ kind: 'save' });
  });

  it('shows the progress while exporting and can be cancelled, leaving no file', async () => {
    const a = laptop.page;
    const cancelled = path.join(env.root, 'cancelled.cairnbackup');
    await a.getByRole('button', { name: 'Export history…' }).click();
    await a.getByLabel('Backup password').fill(BACKUP_PASSWORD);
    await a.getByLabel('Repeat the password').fill(BACKUP_PASSWORD);
    laptop.shell.willChooseSavePath(cancelled);
    await a.getByRole('button', { name: 'Choose where to save…' }).click();
    // Deriving the key (Argon2i, 134 MB) takes long enough to see the bar and cancel.
    await a.getByRole('progressbar', { name: 'Exporting history' }).waitFor({ timeout: 10_000 });
    await a.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => a.getByRole('alert').allTextContents(), { timeout: 15_000 }).toContainEqual(expect.stringContaining('cancelled'));
    await expect(stat(cancelled)).rejects.toThrow();
    await a.getByRole('button', { name: 'Back', exact: true }).click();
  });

  it('restores it on a new computer of the same account: a wrong password is refused, the right one brings the messages', async () => {
    const desktop = await hostEnv.host.launch({ dataDir: path.join(env.root, 'desktop'), defaultServer: { url: env.server.url, pins: [env.server.pin] } });
    const d = desktop.page;
    await d.getByLabel('Server address').waitFor();
    const signedIn = await bridgeRequest(d, 'account.login', {
      server: { url: env.server.url, pins: [env.server.pin] },
      email: 'ada@example.test',
      password: TEST_PASSWORD,
    });
    expect(signedIn.ok).toBe(true);
    await d.reload();
    await d.getByTestId('signed-in-name').waitFor();

    await d.getByRole('button', { name: 'Settings' }).click();
    await d.getByRole('button', { name: 'Restore from a backup…' }).click();
    desktop.shell.willPickFiles([file()]);
    await d.getByRole('button', { name: 'Choose a backup file…' }).click();
    await expect.poll(() => d.getByTestId('backup-file').textContent()).toContain('Encrypted backup made on');

    await d.getByLabel('Backup password').fill('Not-The-Password-1');
    await d.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect.poll(() => d.getByRole('alert').allTextContents(), { timeout: 30_000 }).toContainEqual(expect.stringMatching(/password/i));
    expect(await seriousA11yViolations(d)).toEqual([]);
    await desktop.screenshots('settings-backup-wrong-password');

    await d.getByLabel('Backup password').fill(BACKUP_PASSWORD);
    await d.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect.poll(() => d.getByRole('status').allTextContents(), { timeout: 30_000 }).toContainEqual(expect.stringMatching(/^Restored 3 messages/));

    await d.getByRole('button', { name: 'Back to conversations' }).click();
    await d.getByTestId('conversation-item').filter({ hasText: 'Field journal' }).click();
    await expect.poll(() => d.getByTestId('message').allTextContents(), { timeout: 15_000 }).toEqual(
      expect.arrayContaining([expect.stringContaining('Day one'), expect.stringContaining('Day two'), expect.stringContaining('Day three')]),
    );
    await desktop.close();
  });
});
