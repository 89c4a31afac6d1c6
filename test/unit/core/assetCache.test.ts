import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseContentRange } from '../../../electron/core/net/assetTransfer';
import { AssetCache } from '../../../electron/core/services/assetCache';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function cacheWith(limit: number, entries: Array<[name: string, bytes: number, ageSeconds: number]>): Promise<AssetCache> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cairn-asset-cache-'));
  dirs.push(dir);
  const now = Date.now() / 1000;
  for (const [name, bytes, age] of entries) {
    const file = path.join(dir, name);
    await writeFile(file, Buffer.alloc(bytes));
    await utimes(file, now - age, now - age);
  }
  return new AssetCache(dir, limit);
}

describe('the encrypted file cache', () => {
  it('keeps the most recently used files within its limit and drops those of deleted messages', async () => {
    const cache = await cacheWith(250, [
      ['old.enc', 100, 300],
      ['middle.enc', 100, 200],
      ['new.enc', 100, 100],
      ['deleted.enc', 100, 50],
      ['half.partial', 40, 10],
      ['notes.txt', 5, 1],
    ]);
    const result = await cache.prune((id) => id !== 'deleted');
    expect(result).toEqual({ removed: 2, bytes: 240 });
    expect((await readdir(cache.dir)).sort()).toEqual(['half.partial', 'middle.enc', 'new.enc', 'notes.txt']);
  });

  it('never prunes the file just fetched, even when it alone is over the limit', async () => {
    const cache = await cacheWith(50, [
      ['big.enc', 100, 500],
      ['other.enc', 10, 10],
    ]);
    await cache.prune(() => true, 'big');
    expect(await readdir(cache.dir)).toEqual(['big.enc']);
  });

  it('refuses asset ids that would name a path outside the cache', async () => {
    const cache = await cacheWith(10, []);
    for (const id of ['../db', 'a/b', '', '..', 'x'.repeat(129)]) {
      expect(() => cache.pathOf(id)).toThrow(expect.objectContaining({ code: 'asset-bad-metadata' }));
    }
    expect(cache.pathOf('0f'.repeat(16))).toBe(path.join(cache.dir, `${'0f'.repeat(16)}.enc`));
  });
});

describe('Content-Range of a resumed download', () => {
  it('reads the range the server sent and refuses malformed ones', () => {
    expect(parseContentRange('bytes 100-199/200')).toEqual({ start: 100, end: 199, total: 200 });
    expect(parseContentRange('bytes 0-0/1')).toEqual({ start: 0, end: 0, total: 1 });
    expect(parseContentRange(undefined)).toBeUndefined();
    expect(parseContentRange('bytes */200')).toBeUndefined();
    expect(parseContentRange('bytes 150-100/200')).toBeUndefined();
    expect(parseContentRange('bytes 100-200/200')).toBeUndefined();
    expect(parseContentRange('items 0-1/2')).toBeUndefined();
  });
});
