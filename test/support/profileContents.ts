import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ProfileStoreOptions } from '../../electron/core/store/openProfileStore';
import { openProfileStore } from '../../electron/core/store/openProfileStore';

/** Every file under `dir` (relative paths), folders included only through their files. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Files under `dir` whose bytes contain `needle` as UTF-8. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesUnder(dir)) {
    if ((await readFile(path.join(dir, file))).includes(needle)) found.push(file);
  }
  return found;
}

const TableSchema = z.array(z.object({ name: z.string() }));

/**
 * Opens the profile's database with its own key (the store must be closed by its core) and
 * returns `table.column` of every text or blob value that contains `needle`: the kv table and
 * every other table, so nothing a service wrote is missed.
 */
export async function databaseValuesContaining(profileDir: string, options: ProfileStoreOptions, needle: string): Promise<string[]> {
  const opened = await openProfileStore(profileDir, options);
  if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.message}`);
  const { db } = opened.value;
  try {
    const found: string[] = [];
    const tables = TableSchema.parse(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all());
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) {
        if (typeof row !== 'object' || row === null) continue;
        for (const [column, value] of Object.entries(row)) {
          const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : '';
          if (text.includes(needle)) found.push(`${name}.${column}`);
        }
      }
    }
    return found;
  } finally {
    opened.value.close();
  }
}
