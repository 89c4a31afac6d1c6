/**
 * A text the user typed, sent as a .txt file (`files.sendText`: a message longer than the
 * text limit). The file-sending path reads a file the user chose, so the text is written to a
 * fresh private directory (0700, the file 0600) outside the profile, handed to `send`, and
 * removed when `send` is done, whether it succeeded or not. The text exists in plaintext on disk
 * only for that time, in a place only this user can read (docs/SECURITY.md, issue 17 item 3).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function withTextAsFile<T>(text: string, name: string, send: (file: string) => Promise<T>): Promise<T> {
  if (path.basename(name) !== name || !name.endsWith('.txt')) throw new Error('a text file needs a plain name ending in .txt');
  const folder = await mkdtemp(path.join(tmpdir(), 'cairn-text-'));
  try {
    const file = path.join(folder, name);
    await writeFile(file, text, { encoding: 'utf8', mode: 0o600, flag: 'wx' });
    return await send(file);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
