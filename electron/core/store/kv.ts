import type { z } from 'zod';
import type { Db } from './migration';
import { cachedStatement } from './statements';

export type KvNamespace = 'profile' | 'settings';

/**
 * Reads one JSON value and parses it with `schema`. Returns undefined when the key is absent
 * or the stored value no longer fits the schema (an older version wrote another shape), so a
 * caller falls back to its default instead of crashing on a setting.
 */
export function readKv<S extends z.ZodType>(db: Db, namespace: KvNamespace, key: string, schema: S): z.infer<S> | undefined {
  const row: unknown = cachedStatement(db, 'SELECT value FROM kv WHERE namespace = ? AND key = ?').get(namespace, key);
  if (typeof row !== 'object' || row === null || !('value' in row) || typeof row.value !== 'string') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(row.value);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Stores `value` as JSON, replacing what was there. */
export function writeKv(db: Db, namespace: KvNamespace, key: string, value: unknown, now: number = Date.now()): void {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`value for ${namespace}/${key} is not JSON-serialisable`);
  cachedStatement(
    db,
    `INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(namespace, key, json, now);
}

export function deleteKv(db: Db, namespace: KvNamespace, key: string): void {
  db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?').run(namespace, key);
}
