import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../server/store/migrations';
import { openDatabase } from '../../../server/store/sqlite/database';

describe('schema migrations', () => {
  let directory = '';
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('are numbered files in order, one per migration', async () => {
    const files = (await readdir(path.join(process.cwd(), 'server', 'store', 'migrations'))).filter((name) => /^\d{4}-/.test(name)).sort();
    expect(files.map((name) => name.replace(/\.ts$/, ''))).toEqual(MIGRATIONS.map((migration) => migration.name));
    files.forEach((name, index) => expect(name.startsWith(String(index + 1).padStart(4, '0'))).toBe(true));
  });

  it('upgrade an older database forward, keeping its data', async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'cairn-migrate-'));
    const file = path.join(directory, 'db');
    const old = openDatabase(file, MIGRATIONS.slice(0, 2));
    if (!old.ok) throw new Error(old.error.message);
    old.value
      .prepare("INSERT INTO users (id, email, name, locale, password_hash, created_at) VALUES ('u', 'a@b.org', 'A', 'en', 'h', 0)")
      .run();
    old.value.close();
    const upgraded = openDatabase(file);
    if (!upgraded.ok) throw new Error(upgraded.error.message);
    expect(upgraded.value.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(upgraded.value.prepare('SELECT email FROM users').get()).toEqual({ email: 'a@b.org' });
    expect(upgraded.value.pragma('journal_mode', { simple: true })).toBe('wal');
    upgraded.value.close();
  });

  it('give devices already in a group their reach into its new conversation log', async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'cairn-migrate-'));
    const file = path.join(directory, 'db');
    const old = openDatabase(file, MIGRATIONS.slice(0, 5));
    if (!old.ok) throw new Error(old.error.message);
    const db = old.value;
    db.exec(`
      INSERT INTO users (id, email, name, locale, password_hash, created_at) VALUES ('u', 'a@b.org', 'A', 'en', 'h', 0);
      INSERT INTO clients (user_id, id, type, class, created_at) VALUES ('u', 'c1', 'permanent', 'desktop', 0);
      INSERT INTO conversations (id, type, creator, group_id, epoch, cipher_suite, created_at) VALUES ('conv', 'group', 'u', x'00', 0, 1, 0);
      INSERT INTO members (conv_id, user_id, role) VALUES ('conv', 'u', 'admin');
      INSERT INTO group_clients (conv_id, user_id, client_id) VALUES ('conv', 'u', 'c1');
    `);
    db.close();
    const upgraded = openDatabase(file);
    if (!upgraded.ok) throw new Error(upgraded.error.message);
    expect(upgraded.value.prepare('SELECT conv_id, user_id, client_id, to_id FROM conv_reach').all()).toEqual([
      { conv_id: 'conv', user_id: 'u', client_id: 'c1', to_id: null },
    ]);
    upgraded.value.close();
  });

  it('refuse a database from a newer server', async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'cairn-migrate-'));
    const file = path.join(directory, 'db');
    const current = openDatabase(file);
    if (!current.ok) throw new Error(current.error.message);
    current.value.close();
    const older = openDatabase(file, MIGRATIONS.slice(0, 3));
    expect(older).toMatchObject({ ok: false, error: { code: 'database-too-new' } });
  });
});
