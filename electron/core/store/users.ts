/**
 * Table `users`: the display name and handle of each user this device has seen, keyed by the
 * qualified id (`uuid@domain`). Written from the server's profiles (sign-in, resync, membership
 * refreshes); read wherever a sentence or a list names someone.
 */
import type { ReadableDB, WritableDB } from './handles';
import { cachedStatement } from './statements';

/** The key a user is stored under everywhere in the store: `id@domain`. */
export function qualified(user: Readonly<{ id: string; domain: string }>): string {
  return `${user.id}@${user.domain}`;
}

export function saveUserProfile(tx: WritableDB, user: Readonly<{ id: string; domain: string }>, name: string, handle: string | null, now: number): void {
  cachedStatement(
    tx,
    `INSERT INTO users (id, name, handle, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, handle = excluded.handle, updated_at = excluded.updated_at`,
  ).run(qualified(user), name, handle, now);
}

/** The stored display name of `user` (qualified), or undefined when none is stored. */
export function userName(db: ReadableDB, user: string): string | undefined {
  const name: unknown = cachedStatement(db, 'SELECT name FROM users WHERE id = ?').pluck().get(user);
  return typeof name === 'string' ? name : undefined;
}
