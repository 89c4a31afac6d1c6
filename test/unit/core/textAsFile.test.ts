import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTextAsFile } from '../../../electron/core/textAsFile';

async function leftovers(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('cairn-text-'));
}

describe('a text sent as a file', () => {
  it('is written under its name for this user only, and gone once sent', async () => {
    const before = await leftovers();
    let seen: { text: string; mode: number; name: string; folderMode: number } | undefined;
    const answer = await withTextAsFile('Über den Grat ⛰️', 'Message.txt', async (file) => {
      seen = {
        text: await readFile(file, 'utf8'),
        mode: (await stat(file)).mode & 0o777,
        name: path.basename(file),
        folderMode: (await stat(path.dirname(file))).mode & 0o777,
      };
      return 'sent';
    });
    expect(answer).toBe('sent');
    expect(seen).toEqual({ text: 'Über den Grat ⛰️', mode: 0o600, name: 'Message.txt', folderMode: 0o700 });
    expect(await leftovers()).toEqual(before);
  });

  it('removes the file when sending fails too', async () => {
    const before = await leftovers();
    await expect(
      withTextAsFile('a long text', 'Message.txt', () => Promise.reject(new Error('the conversation is degraded'))),
    ).rejects.toThrow('the conversation is degraded');
    expect(await leftovers()).toEqual(before);
  });

  it('refuses a name that is a path or not a .txt file', async () => {
    const send = (): Promise<string> => Promise.resolve('sent');
    await expect(withTextAsFile('x', '../Message.txt', send)).rejects.toThrow('plain name');
    await expect(withTextAsFile('x', 'Message.sh', send)).rejects.toThrow('plain name');
  });
});
