/**
 * Backup export and import of 100 000 messages on a real (SQLCipher, WAL, synchronous=FULL)
 * profile database, against just reading those rows in the same run (issue 6's target: at most
 * 3x, plus the fixed Argon2 cost). The KDF runs at libsodium's minimum here so the ratios show
 * the per-message work; the real Argon2i cost (seed 002) is measured on its own and printed as
 * a fourth result. A third result compares the import with inserting the same rows through
 * plain INSERT statements: the floor the schema (FTS index, unique key, time index) sets for
 * any import. Times are per message; machines here are noisy, so only the ratios mean much.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportBackup } from '../electron/core/backup/exportBackup';
import { importBackup } from '../electron/core/backup/importBackup';
import { DEFAULT_BACKUP_KDF, deriveBackupKeys, wipeBackupKeys } from '../electron/core/backup/backupKdf';
import { generateDbKey } from '../electron/core/store/dbKey';
import type { Store } from '../electron/core/store/openStore';
import { openStore } from '../electron/core/store/openStore';
import { loadSodium } from '../electron/core/vault/sodium';
import { FAST_KDF, PASSWORD } from '../test/fixtures/backup/backupFiles';
import { OWNER, seedHistory } from '../test/fixtures/backup/history';
import type { BenchResult, Timing } from './harness';

const MESSAGES = 100_000;
const RUNS = 3;

/** Median of `RUNS` timed runs of `operation` (after `prepare`, which is not timed), per message. */
async function perMessage<T>(prepare: () => T | Promise<T>, operation: (input: T) => Promise<void> | void, cleanup: (input: T) => Promise<void> | void = () => undefined): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const input = await prepare();
    const start = process.hrtime.bigint();
    await operation(input);
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / MESSAGES);
    await cleanup(input);
  }
  samples.sort((a, b) => a - b);
  return { medianUs: samples[Math.floor(samples.length / 2)] ?? 0, operations: RUNS * MESSAGES };
}

export async function run(): Promise<readonly BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-backup-'));
  let count = 0;
  const fresh = (): Store => {
    const result = openStore(path.join(dir, `store-${count++}.db`), generateDbKey());
    if (!result.ok) throw new Error(result.error.code);
    return result.value;
  };
  const dispose = async (store: Store) => {
    store.close();
    await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(`${store.file}${suffix}`, { force: true })));
  };
  const source = fresh();
  try {
    seedHistory(source.db, { conversations: 200, messages: MESSAGES });
    const file = path.join(dir, 'history.cairnbackup');
    const readRows = () => {
      let rows = 0;
      for (const table of ['conversations', 'conversation_members', 'messages']) {
        for (const _row of source.db.prepare(`SELECT * FROM ${table}`).iterate()) rows++;
      }
      if (rows < MESSAGES) throw new Error('rows missing');
    };
    readRows(); // warm the page cache for every measurement alike
    const read = await perMessage(() => undefined, readRows);

    const exportTiming = await perMessage(
      () => undefined,
      async () => {
        const result = await exportBackup({ db: source.db, file, userId: OWNER, protection: { kind: 'password', password: PASSWORD }, kdf: FAST_KDF });
        if (!result.ok) throw new Error(result.error.code);
      },
    );

    const importTiming = await perMessage(fresh, async (target) => {
      const result = await importBackup({ db: target.db, file, userId: OWNER, password: PASSWORD });
      if (!result.ok || result.value.messagesAdded !== MESSAGES) throw new Error('import failed');
    }, dispose);

    const rows = source.db.prepare('SELECT * FROM messages ORDER BY seq').raw(true).all();
    const conversationColumns = 'id, kind, protocol, name, created_at, last_activity_at, message_timer_ms, muted_until, archived, left_at';
    const conversations = source.db.prepare(`SELECT ${conversationColumns} FROM conversations`).raw(true).all();
    const insertTiming = await perMessage(fresh, (target) => {
      target.db.pragma('cache_size = -32768'); // the page cache the import uses
      const conversation = target.db.prepare(`INSERT INTO conversations (${conversationColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const message = target.db.prepare(
        `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, content, sent_at, received_at,
           edited_at, deleted_at, timer_ms, expires_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id, id) DO NOTHING`,
      );
      target.db.transaction(() => {
        for (const row of conversations) if (Array.isArray(row)) conversation.run(...row);
        for (const row of rows) if (Array.isArray(row)) message.run(...row.slice(1));
      })();
    }, dispose);

    const sodium = await loadSodium();
    const argon = await (async (): Promise<Timing> => {
      const start = process.hrtime.bigint();
      wipeBackupKeys(sodium, await deriveBackupKeys(sodium, PASSWORD, new Uint8Array(16), DEFAULT_BACKUP_KDF));
      return { medianUs: Number(process.hrtime.bigint() - start) / 1000 / MESSAGES, operations: 1 };
    })();

    const readName = `read the same rows (SELECT *, ${MESSAGES} messages)`;
    return [
      { name: `backup export, per message (${MESSAGES}, minimum KDF)`, baselineName: readName, baseline: read, subject: exportTiming },
      { name: `backup import, per message (${MESSAGES}, minimum KDF)`, baselineName: readName, baseline: read, subject: importTiming },
      { name: 'backup import, per message', baselineName: 'insert the same rows with plain INSERTs, same page cache (the schema floor)', baseline: insertTiming, subject: importTiming },
      { name: `Argon2i ops 6 / 128 MiB, once per export or import, spread per message`, baselineName: readName, baseline: read, subject: argon },
    ];
  } finally {
    await dispose(source);
    await rm(dir, { recursive: true, force: true });
  }
}
