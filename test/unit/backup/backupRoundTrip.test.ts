import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportBackup } from '../../../electron/core/backup/exportBackup';
import { importBackup } from '../../../electron/core/backup/importBackup';
import { inspectBackup } from '../../../electron/core/backup/inspectBackup';
import type { BackupProgress } from '../../../electron/core/backup/backupProgress';
import { exportOrFail, FAST_KDF, filesIn, PASSWORD, useTempDirs } from '../../fixtures/backup/backupFiles';
import { hashDatabase, historyRows, memoryStore, messageCount, OWNER, seedHistory } from '../../fixtures/backup/history';

const tempDir = useTempDirs();

async function importOrFail(options: Parameters<typeof importBackup>[0]) {
  const result = await importBackup(options);
  if (!result.ok) throw new Error(`import failed: ${result.error.code}`);
  return result.value;
}

describe('backup round trip', () => {
  it('restores every conversation, member and message exactly, in order, into an empty store', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 6, messages: 600 });
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER, chunkSize: 1024 });
    const restored = memoryStore();
    const summary = await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    expect(summary).toMatchObject({ encrypted: true, messagesAdded: 600, conversationsAdded: 6, recordsSkipped: 0 });
    expect(historyRows(restored)).toEqual(historyRows(source));
    // The search index is filled by the store's own triggers.
    const hits: unknown = restored.prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'cafe'`).pluck().get();
    expect(hits).toBeGreaterThan(0);
  });

  it('pages through more conversations and members than one read returns', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 1500, messages: 300 });
    const members: unknown = source.prepare('SELECT count(*) FROM conversation_members').pluck().get();
    expect(members).toBeGreaterThan(3000);
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    const restored = memoryStore();
    expect(await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD })).toMatchObject({ conversationsAdded: 1500, membersAdded: members });
    expect(historyRows(restored)).toEqual(historyRows(source));
  });

  it('stays importable when messages and conversations arrive while the export runs', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 3, messages: 3000 });
    const before = historyRows(source);
    const file = join(tempDir(), 'history.cairnbackup');
    let arrivals = 0;
    await exportOrFail({
      db: source, file, userId: OWNER, chunkSize: 4096,
      onProgress: (p) => {
        if (p.stage !== 'copying' || arrivals >= 20) return;
        // The receive pipeline runs between pages: a new conversation with a message, and a
        // message in a known conversation.
        arrivals++;
        source.prepare(`INSERT INTO conversations (id, kind, protocol, created_at, last_activity_at) VALUES (?, 'group', 'mls', 1, 1)`).run(`new-${arrivals}`);
        for (const conversation of [`new-${arrivals}`, 'c0-0000-4000-8000-000000000000@cairn.test']) {
          source.prepare(`INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, sent_at, received_at, status)
            VALUES (?, ?, 'u@cairn.test', 'c', 'text', 'late', 1, 1, 'received')`).run(`late-${arrivals}`, conversation);
        }
      },
    });
    expect(arrivals).toBe(20);
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    // Exactly the history as it was when the export began.
    expect(historyRows(restored)).toEqual(before);
  });

  it('writes an unencrypted backup only when asked, as JSON Lines anyone can read, and imports it back only when asked', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 3, messages: 200 });
    const file = join(tempDir(), 'history.jsonl');
    await exportOrFail({ db: source, file, userId: OWNER, protection: { kind: 'none' } });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line): unknown => JSON.parse(line));
    expect(lines[0]).toMatchObject({ type: 'backup', format: 'cairn-backup', version: 2, userId: OWNER });
    expect(lines.at(-1)).toEqual({ type: 'end', conversations: 3, members: expect.any(Number), messages: 200, reactions: 0, receipts: 0, assets: 0 });
    expect(lines.filter((l) => typeof l === 'object' && l !== null && 'type' in l && l.type === 'message')).toHaveLength(200);
    const restored = memoryStore();
    const refused = await importBackup({ db: restored, file, userId: OWNER });
    expect(refused).toMatchObject({ ok: false, error: { code: 'backup-unencrypted' } });
    expect(messageCount(restored)).toBe(0);
    expect(await importOrFail({ db: restored, file, userId: OWNER, allowUnencrypted: true })).toMatchObject({ encrypted: false, messagesAdded: 200 });
    expect(historyRows(restored)).toEqual(historyRows(source));
  });

  it('never carries the private keys, group state or saved-file paths kept in the same database', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 2, messages: 60, extras: true });
    const secret = Buffer.from('PRIVATE-KEY-MATERIAL-0123456789');
    const conversationId: unknown = source.prepare('SELECT id FROM conversations LIMIT 1').pluck().get();
    source.prepare(`INSERT INTO device (singleton, client_id, user_id, domain, temporary, proteus_identity, next_prekey_id, registered_at)
      VALUES (1, 'client', 'a1b2c3d4', 'cairn.test', 0, ?, 0, 1)`).run(secret);
    source.prepare('INSERT INTO proteus_prekeys (id, data) VALUES (1, ?)').run(secret);
    source.prepare('INSERT INTO mls_signers (suite, data) VALUES (1, ?)').run(secret);
    source.prepare('INSERT INTO mls_key_packages (ref, suite, data, created_at) VALUES (?, 1, ?, 1)').run(Buffer.from('ref'), secret);
    source.prepare('INSERT INTO mls_groups (conversation_id, group_id, epoch, state, updated_at) VALUES (?, ?, 3, ?, 1)').run(conversationId, Buffer.from('group'), secret);
    const paths = source.prepare('SELECT local_path FROM assets WHERE local_path IS NOT NULL').pluck().all();
    expect(paths.length).toBeGreaterThan(0);
    const file = join(tempDir(), 'history.jsonl');
    await exportOrFail({ db: source, file, userId: OWNER, protection: { kind: 'none' } });
    const text = readFileSync(file, 'utf8');
    for (const form of [secret.toString('hex'), secret.toString('hex').toUpperCase(), secret.toString('base64'), secret.toString()]) {
      expect(text).not.toContain(form);
    }
    for (const path of paths) expect(text).not.toContain(String(path));
    expect(text).not.toContain('Downloads');
    const types = new Set(text.trimEnd().split('\n').map((line) => {
      const record: unknown = JSON.parse(line);
      return typeof record === 'object' && record !== null && 'type' in record ? record.type : undefined;
    }));
    expect([...types].sort()).toEqual(['asset', 'backup', 'conversation', 'end', 'member', 'message', 'reaction', 'receipt']);
  });

  it('keeps message text out of an encrypted backup file', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 2, messages: 50 });
    const file = join(tempDir(), 'history.cairnbackup');
    const bytes = await exportOrFail({ db: source, file, userId: OWNER });
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).not.toContain('message 1');
    expect(text).not.toContain('"type"');
    expect(text).toContain(OWNER); // the header names its owner in clear (seed 002: import only by the same user)
  });

  it('changes nothing when the same backup is imported twice, or into the store it came from', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 4, messages: 300 });
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    const sourceHash = hashDatabase(source);
    expect(await importOrFail({ db: source, file, userId: OWNER, password: PASSWORD })).toMatchObject({ messagesAdded: 0, conversationsAdded: 0, membersAdded: 0 });
    expect(hashDatabase(source)).toBe(sourceHash);
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    const once = hashDatabase(restored);
    await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    expect(hashDatabase(restored)).toBe(once);
  });

  it('merges into existing history: adds missing messages, keeps local conversations and membership', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 2, messages: 100 });
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    // The target already knows the conversations (synced from the server) with one member
    // removed and a newer name, and half of the messages.
    const target = memoryStore();
    seedHistory(target, { conversations: 2, messages: 100 });
    target.exec(`DELETE FROM messages WHERE seq % 2 = 0; UPDATE conversations SET name = 'Renamed'`);
    target.exec(`DELETE FROM conversation_members WHERE user_id LIKE 'u0-%'`);
    const members = target.prepare('SELECT * FROM conversation_members ORDER BY 1, 2').all();
    const summary = await importOrFail({ db: target, file, userId: OWNER, password: PASSWORD });
    expect(summary).toMatchObject({ conversationsAdded: 0, membersAdded: 0, messagesAdded: 50 });
    expect(messageCount(target)).toBe(100);
    expect(target.prepare('SELECT DISTINCT name FROM conversations').pluck().all()).toEqual(['Renamed']);
    expect(target.prepare('SELECT * FROM conversation_members ORDER BY 1, 2').all()).toEqual(members);
  });

  it('leaves self-deleting messages out of the backup, as their sender meant them to disappear', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 2, messages: 200, selfDeleting: 0.3 });
    const timed: unknown = source.prepare('SELECT count(*) FROM messages WHERE timer_ms IS NOT NULL').pluck().get();
    expect(timed).toBeGreaterThan(20);
    const file = join(tempDir(), 'history.jsonl');
    await exportOrFail({ db: source, file, userId: OWNER, protection: { kind: 'none' } });
    expect(readFileSync(file, 'utf8')).not.toContain('"timerMs":60000');
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, allowUnencrypted: true });
    source.exec('DELETE FROM messages WHERE timer_ms IS NOT NULL');
    expect(historyRows(restored)).toEqual(historyRows(source));
  });

  it('restores a message that was still pending as failed, so the restored device never sends it by itself', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 1, messages: 5 });
    source.exec(`UPDATE messages SET status = 'pending' WHERE seq = 3`);
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    const restored = memoryStore();
    await importOrFail({ db: restored, file, userId: OWNER, password: PASSWORD });
    expect(restored.prepare('SELECT status FROM messages WHERE seq = 3').pluck().get()).toBe('failed');
  });

  it('tells the UI whether a file needs a password and whose it is, without reading the history', async () => {
    const source = memoryStore();
    const dir = tempDir();
    await exportOrFail({ db: source, file: join(dir, 'a'), userId: OWNER, now: () => 1_763_900_000_000 });
    await exportOrFail({ db: source, file: join(dir, 'b'), userId: OWNER, protection: { kind: 'none' }, now: () => 1_763_900_000_000 });
    expect(await inspectBackup(join(dir, 'a'))).toEqual({ ok: true, value: { encrypted: true, userId: OWNER, createdAt: 1_763_900_000_000, version: 2 } });
    expect(await inspectBackup(join(dir, 'b'))).toEqual({ ok: true, value: { encrypted: false, userId: OWNER, createdAt: 1_763_900_000_000, version: 2 } });
  });
});

describe('backup progress and cancellation', () => {
  it('reports growing progress for export and import, with the file size as the import total', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 3, messages: 300 });
    const file = join(tempDir(), 'history.cairnbackup');
    const exported: BackupProgress[] = [];
    await exportOrFail({ db: source, file, userId: OWNER, chunkSize: 4096, onProgress: (p) => exported.push(p) });
    expect(exported[0]?.stage).toBe('deriving-key');
    expect(exported.filter((p) => p.stage === 'copying').length).toBeGreaterThan(5);
    const last = exported.at(-1);
    expect(last?.stage).toBe('finishing');
    expect(last?.records).toBe(last?.recordsTotal);
    const imported: BackupProgress[] = [];
    await importOrFail({ db: memoryStore(), file, userId: OWNER, password: PASSWORD, onProgress: (p) => imported.push(p) });
    const bytes = imported.map((p) => p.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(imported.at(-1)).toMatchObject({ stage: 'finishing', bytes: readFileSync(file).length, bytesTotal: readFileSync(file).length });
  });

  it('leaves the store untouched when an import is cancelled midway', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 3, messages: 400 });
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER, chunkSize: 4096 });
    const target = memoryStore();
    seedHistory(target, { conversations: 1, messages: 10, prefix: 'local' });
    const before = hashDatabase(target);
    const controller = new AbortController();
    let sawRecords = 0;
    const result = await importBackup({
      db: target, file, userId: OWNER, password: PASSWORD, signal: controller.signal,
      onProgress: (p) => {
        sawRecords = p.records;
        if (p.bytes > (p.bytesTotal ?? 0) / 2) controller.abort();
      },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-cancelled' } });
    expect(sawRecords).toBeGreaterThan(100); // records had been written inside the transaction
    expect(hashDatabase(target)).toBe(before);
    expect(target.inTransaction).toBe(false);
  });

  it('leaves no file, not even a temporary one, when an export is cancelled midway', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 3, messages: 400 });
    const dir = tempDir();
    const controller = new AbortController();
    const result = await exportBackup({
      db: source, file: join(dir, 'history.cairnbackup'), userId: OWNER, protection: { kind: 'password', password: PASSWORD },
      kdf: FAST_KDF, chunkSize: 4096, signal: controller.signal,
      onProgress: (p) => {
        if (p.records > 100) controller.abort();
      },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-cancelled' } });
    expect(filesIn(dir)).toEqual([]);
  });

  it('keeps an earlier backup under the same name when a new export fails', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 1, messages: 20 });
    const dir = tempDir();
    const file = join(dir, 'history.cairnbackup');
    const first = await exportOrFail({ db: source, file, userId: OWNER });
    const controller = new AbortController();
    controller.abort();
    const result = await exportBackup({ db: source, file, userId: OWNER, protection: { kind: 'none' }, signal: controller.signal });
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-cancelled' } });
    expect(new Uint8Array(readFileSync(file))).toEqual(first);
    expect(filesIn(dir)).toEqual(['history.cairnbackup']);
  });

  it('refuses a short password and an unwritable place with plain codes', async () => {
    const source = memoryStore();
    const short = await exportBackup({ db: source, file: join(tempDir(), 'x'), userId: OWNER, protection: { kind: 'password', password: 'short' } });
    expect(short).toMatchObject({ ok: false, error: { code: 'backup-password-too-short' } });
    const missing = join(tempDir(), 'no-such-folder', 'x');
    const io = await exportBackup({ db: source, file: missing, userId: OWNER, protection: { kind: 'none' } });
    expect(io).toMatchObject({ ok: false, error: { code: 'backup-io' } });
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses to import while another transaction is open on the store', async () => {
    const source = memoryStore();
    const file = join(tempDir(), 'history.jsonl');
    await exportOrFail({ db: source, file, userId: OWNER, protection: { kind: 'none' } });
    const target = memoryStore();
    target.exec('BEGIN');
    const result = await importBackup({ db: target, file, userId: OWNER, allowUnencrypted: true });
    expect(result).toMatchObject({ ok: false, error: { code: 'backup-busy' } });
    expect(target.inTransaction).toBe(true);
    target.exec('ROLLBACK');
  });
});

describe('backup import and the connection', () => {
  it('puts the page cache size back after an import, whether it succeeded or failed', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 1, messages: 20 });
    const file = join(tempDir(), 'history.cairnbackup');
    await exportOrFail({ db: source, file, userId: OWNER });
    const target = memoryStore();
    target.pragma('cache_size = -2000');
    await importOrFail({ db: target, file, userId: OWNER, password: PASSWORD });
    expect(target.pragma('cache_size', { simple: true })).toBe(-2000);
    const wrong = await importBackup({ db: target, file, userId: OWNER, password: 'wrong password!' });
    expect(wrong.ok).toBe(false);
    const cut = join(tempDir(), 'cut');
    writeFileSync(cut, readFileSync(file).subarray(0, 300));
    expect((await importBackup({ db: target, file: cut, userId: OWNER, password: PASSWORD })).ok).toBe(false);
    expect(target.pragma('cache_size', { simple: true })).toBe(-2000);
  });
});
