/**
 * Files in the conversation view, two people in two browsers: Bob sends a picked image and a
 * large file (upload progress in his composer), Alice sees the image's preview and saves the
 * large file where she chooses (download progress, then Open), and a dropped file is sent too.
 * The OS dialogs are the test host's stand-in; everything else is the real shell code, core and
 * server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { png } from '../fixtures/png';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { groupWith, launchAliceAndBob } from './support/signUp';

const env = useTestServer('e2e-files');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;


const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  ({ alice, bob } = await launchAliceAndBob(hostEnv.host, env.server, env.root));
  await groupWith(alice, bob, 'Field trip');
});

describe('files in a conversation', () => {
  const image = png(360, 240);
  const large = randomBytes(24 * 1024 * 1024);

  it('Bob picks an image and a large file; he sees them upload, then both are in the conversation', async () => {
    const b = bob.page;
    const imagePath = path.join(env.root, 'ridge.png');
    const largePath = path.join(env.root, 'survey-data.csv');
    await writeFile(imagePath, image);
    await writeFile(largePath, large);
    await b.getByTestId('conversation-item').click();
    bob.shell.willPickFiles([imagePath, largePath]);
    await b.getByRole('button', { name: 'Send a file' }).click();

    // The large file's upload shows a progress bar in the composer while it runs.
    await b.getByRole('progressbar', { name: 'Sending survey-data.csv' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => b.getByTestId('upload').count(), { timeout: 60_000 }).toBe(0);
    await expect.poll(() => b.getByTestId('file-card').count()).toBe(2);
    // The sender's own image previews from the local cache.
    await expect.poll(() => b.getByTestId('image-preview').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(360);
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('files-sent');
  });

  it('Alice sees the preview and saves the large file where she chooses, with progress; Open shows it in its folder', async () => {
    const a = alice.page;
    await a.getByTestId('conversation-item').click();
    const preview = a.getByTestId('image-preview');
    await preview.waitFor({ timeout: 15_000 });
    await expect.poll(() => preview.evaluate((img) => (img as unknown as { naturalHeight: number }).naturalHeight)).toBe(240);
    expect(await preview.getAttribute('alt')).toBe('ridge.png');
    expect(await preview.getAttribute('src')).toMatch(/^blob:/);

    const saveAt = path.join(env.root, 'alice-survey.csv');
    alice.shell.willChooseSavePath(saveAt);
    await a.getByRole('button', { name: 'Save survey-data.csv' }).click();
    await a.getByRole('progressbar', { name: 'Saving survey-data.csv' }).waitFor({ timeout: 10_000 });
    await a.getByRole('button', { name: 'Open' }).waitFor({ timeout: 60_000 });
    expect(sha256(await readFile(saveAt))).toBe(sha256(large));
    expect(alice.shell.dialogs.at(-1)).toMatchObject({ kind: 'save' });
    // A spreadsheet runs formulas: .csv is not on the allow-list of types that open directly.
    await a.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => alice.shell.shownInFolder).toEqual([saveAt]);
    expect(alice.shell.opened).toEqual([]);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('files-received');
  });

  it('a file dropped on the conversation is sent', async () => {
    const a = alice.page;
    const notes = path.join(env.root, 'notes.txt');
    await writeFile(notes, 'Lichen grows about a millimetre a year.');
    await alice.resolveDroppedFile('notes.txt', notes);
    // What a drag from the file manager carries (the tests type-check without the DOM library).
    const dataTransfer = await a.evaluateHandle(() => {
      const page = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } };
      const transfer = new page.DataTransfer();
      transfer.items.add(new File(['Lichen grows about a millimetre a year.'], 'notes.txt', { type: 'text/plain' }));
      return transfer;
    });
    const view = a.getByRole('region', { name: 'Field trip' }).or(a.locator('section.conversation'));
    await view.first().dispatchEvent('dragover', { dataTransfer });
    await a.getByText('Drop files to send them to Field trip').waitFor();
    await view.first().dispatchEvent('drop', { dataTransfer });
    await expect.poll(() => a.getByTestId('file-card').filter({ hasText: 'notes.txt' }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => bob.page.getByTestId('file-card').filter({ hasText: 'notes.txt' }).count(), { timeout: 15_000 }).toBe(1);
  });
});
