import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportBackup } from '../../../electron/core/backup/exportBackup';
import { importBackup } from '../../../electron/core/backup/importBackup';
import { parseBackupHeader, announcedHeaderLength } from '../../../electron/core/backup/backupHeader';
import { DEFAULT_BACKUP_KDF } from '../../../electron/core/backup/backupKdf';
import { PASSWORD, useTempDirs } from '../../fixtures/backup/backupFiles';
import { hashDatabase, historyRows, memoryStore, OWNER, seedHistory } from '../../fixtures/backup/history';

const tempDir = useTempDirs();

describe('backup with the real key derivation of seed 002', () => {
  it('records argon2i with 6 passes over 128 MiB in the header and needs it to import', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 2, messages: 50 });
    const file = join(tempDir(), 'history.cairnbackup');
    const rssBefore = process.memoryUsage().rss;
    let started = performance.now();
    const exported = await exportBackup({ db: source, file, userId: OWNER, protection: { kind: 'password', password: PASSWORD } });
    const exportMs = performance.now() - started;
    expect(exported.ok).toBe(true);

    const bytes = new Uint8Array(readFileSync(file));
    const header = parseBackupHeader(bytes.subarray(0, announcedHeaderLength(bytes.subarray(0, 11))));
    expect(header.kdf).toEqual({ opsLimit: 6, memLimitBytes: 134_217_728 });
    expect(header.kdf).toEqual(DEFAULT_BACKUP_KDF);
    expect(header.salt).toHaveLength(16);

    const restored = memoryStore();
    started = performance.now();
    const imported = await importBackup({ db: restored, file, userId: OWNER, password: PASSWORD });
    const importMs = performance.now() - started;
    expect(imported).toMatchObject({ ok: true, value: { messagesAdded: 50 } });
    expect(historyRows(restored)).toEqual(historyRows(source));

    const before = hashDatabase(restored);
    const wrong = await importBackup({ db: restored, file, userId: OWNER, password: 'not the password' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'backup-wrong-password' } });
    expect(hashDatabase(restored)).toBe(before);
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    process.stdout.write(`real Argon2i backup: export ${exportMs.toFixed(0)} ms, import ${importMs.toFixed(0)} ms, RSS growth after three derivations ${rssGrowthMb.toFixed(0)} MB\n`);
    // Argon2 ran in short-lived workers: the 128 MiB it needs is not kept by this thread's WASM heap.
    expect(rssGrowthMb).toBeLessThan(100);
    // The cost is the point: a derivation far below ~0.3 s here would mean the parameters were not applied.
    expect(exportMs).toBeGreaterThan(300);
    expect(importMs).toBeGreaterThan(300);
  });

  it('stops the key derivation at once when the import is cancelled, leaving the store untouched', async () => {
    const source = memoryStore();
    seedHistory(source, { conversations: 1, messages: 10 });
    const file = join(tempDir(), 'history.cairnbackup');
    expect((await exportBackup({ db: source, file, userId: OWNER, protection: { kind: 'password', password: PASSWORD } })).ok).toBe(true);
    const target = memoryStore();
    const before = hashDatabase(target);
    const controller = new AbortController();
    let derivingAt = 0;
    let abortedAt = 0;
    const pending = importBackup({
      db: target, file, userId: OWNER, password: PASSWORD, signal: controller.signal,
      onProgress: (p) => {
        if (p.stage !== 'deriving-key') return;
        derivingAt = performance.now();
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, 100);
      },
    });
    expect(await pending).toMatchObject({ ok: false, error: { code: 'backup-cancelled' } });
    // The 100 ms timer fired well before a derivation in this thread could have ended (one takes
    // ≥ 0.6 s here), so the derivation did not block this thread; and the answer came soon after
    // the abort, not after a derivation ran to its end. The margins allow for a loaded machine.
    expect(abortedAt - derivingAt).toBeLessThan(550);
    expect(performance.now() - abortedAt).toBeLessThan(450);
    expect(hashDatabase(target)).toBe(before);
  });
});
