import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMuted, setArchived, setMutedUntil, unarchiveOnNewMessage } from '../../../electron/core/store/conversations';
import { listConversations } from '../../../electron/core/toContract';
import { DEFAULT_PREFERENCES, readPreferences, readPreferencesThisTurn, writePreferences } from '../../../electron/core/services/preferences';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';

// In-memory and unencrypted: these tests are about the rows, not the file.
let db: ReadableDB;
beforeEach(() => {
  db = readable(new Database(':memory:'));
  applyMigrations(db, MIGRATIONS);
  db.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
});
afterEach(() => db.close());

describe('preferences in the kv table', () => {
  it('reads once per synchronous run with readPreferencesThisTurn, and sees a change in the same run or the next', async () => {
    const first = readPreferencesThisTurn(db);
    expect(readPreferencesThisTurn(db)).toBe(first);
    writePreferences(db, { theme: 'dark' });
    expect(readPreferencesThisTurn(db).theme).toBe('dark');
    // Written behind its back (not through writePreferences): seen from the next run on.
    db.prepare("UPDATE kv SET value = '\"light\"' WHERE namespace = 'settings' AND key = 'theme'").run();
    await Promise.resolve();
    expect(readPreferencesThisTurn(db).theme).toBe('light');
  });

  it('reads the defaults from an empty profile', () => {
    expect(readPreferences(db)).toEqual(DEFAULT_PREFERENCES);
  });

  it('changes only the preferences given and returns all of them', () => {
    expect(writePreferences(db, { theme: 'dark', sendReadReceipts: false })).toEqual({ ...DEFAULT_PREFERENCES, theme: 'dark', sendReadReceipts: false });
    expect(writePreferences(db, { notificationContent: 'nothing' })).toEqual({
      ...DEFAULT_PREFERENCES,
      theme: 'dark',
      sendReadReceipts: false,
      notificationContent: 'nothing',
    });
  });

  it('reads a row of another shape (another version wrote it) as that preference’s default, keeping the others', () => {
    writePreferences(db, { theme: 'dark', desktopNotifications: false });
    db.prepare(`UPDATE kv SET value = '"sepia"' WHERE namespace = 'settings' AND key = 'theme'`).run();
    db.prepare(`INSERT INTO kv (namespace, key, value, updated_at) VALUES ('settings', 'sendTypingIndicators', '{"on": false}', 1)`).run();
    expect(readPreferences(db)).toEqual({ ...DEFAULT_PREFERENCES, desktopNotifications: false });
  });
});

describe('mute and archive rows', () => {
  const summary = (now: number) => listConversations(db, 'self@example.test', now)[0];

  it('shows a mute until it runs out, then as not muted', () => {
    expect(writeTransaction(db, (tx) => setMutedUntil(tx, 'c1', 5_000))).toBe(true);
    expect(summary(4_999)?.mutedUntil).toBe(5_000);
    expect(isMuted(db, 'c1', 4_999)).toBe(true);
    expect(summary(5_000)?.mutedUntil).toBeNull();
    expect(isMuted(db, 'c1', 5_000)).toBe(false);
    expect(writeTransaction(db, (tx) => setMutedUntil(tx, 'missing', 5_000))).toBe(false);
  });

  it('a new message unarchives a conversation unless it is muted at that moment', () => {
    writeTransaction(db, (tx) => setArchived(tx, 'c1', true));
    writeTransaction(db, (tx) => setMutedUntil(tx, 'c1', 10_000));
    expect(writeTransaction(db, (tx) => unarchiveOnNewMessage(tx, 'c1', 9_999))).toBe(false);
    expect(summary(9_999)?.archived).toBe(true);
    expect(writeTransaction(db, (tx) => unarchiveOnNewMessage(tx, 'c1', 10_000))).toBe(true);
    expect(summary(10_000)?.archived).toBe(false);
    expect(writeTransaction(db, (tx) => unarchiveOnNewMessage(tx, 'c1', 10_001))).toBe(false);
  });
});
