import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateDbKey } from '../../../electron/core/store/dbKey';
import { readKv } from '../../../electron/core/store/kv';
import type { Store } from '../../../electron/core/store/openStore';
import { openStore } from '../../../electron/core/store/openStore';
import { z } from 'zod';
import { useTempDirs } from './tempProfile';

const WRITER = fileURLToPath(new URL('../../fixtures/storeCrashWriter.ts', import.meta.url));
const ROWS_PER_TRANSACTION = 5;
const RUNS = 4;
const tempDir = useTempDirs();

interface KilledRun {
  /** The highest transaction the writer reported as committed before it died. */
  readonly lastAcknowledged: number;
  readonly walExisted: boolean;
}

/**
 * Starts the writer, lets it report `commitsBeforeKill` commits (counting from this run's
 * first), then SIGKILLs it while it keeps writing. Waits on events with a deadline, no sleeps.
 */
function runAndKill(file: string, keyHex: string, commitsBeforeKill: number): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(ROWS_PER_TRANSACTION)], {
      env: { ...process.env, CAIRN_TEST_DB_KEY: keyHex },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let seen = 0;
    let lastAcknowledged = 0;
    let killed = false;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${commitsBeforeKill} commits in time (saw ${seen}); stderr: ${stderr}`));
    }, 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^committed (\d+)$/.exec(line);
      if (match?.[1] === undefined) return;
      lastAcknowledged = Number(match[1]);
      seen += 1;
      if (seen === commitsBeforeKill && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer ended by itself (code ${String(code)}); stderr: ${stderr}`));
        return;
      }
      resolve({ lastAcknowledged, walExisted: existsSync(`${file}-wal`) });
    });
  });
}

function transactionsIn(store: Store): { id: number; rows: number }[] {
  const rows: unknown = store.db.prepare('SELECT sent_at AS id, count(*) AS rows FROM messages GROUP BY sent_at ORDER BY sent_at').all();
  return z.array(z.object({ id: z.number(), rows: z.number() })).parse(rows);
}

describe('crash safety', () => {
  it('keeps every committed transaction and no partial one when the writer is killed at random moments', async () => {
    const file = join(tempDir(), 'cairn.db');
    const key = generateDbKey();
    const keyHex = Buffer.from(key).toString('hex');
    const created = openStore(file, key);
    if (!created.ok) throw new Error(created.error.message);
    created.value.close();

    for (let run = 0; run < RUNS; run++) {
      const commitsBeforeKill = 20 + Math.floor(Math.random() * 200);
      const killed = await runAndKill(file, keyHex, commitsBeforeKill);

      const reopened = openStore(file, key);
      if (!reopened.ok) throw new Error(`run ${run}: reopening failed with ${reopened.error.code}`);
      const store = reopened.value;
      try {
        expect(store.db.pragma('integrity_check', { simple: true }), `run ${run}`).toBe('ok');
        expect(() => store.db.prepare(`INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')`).run()).not.toThrow();

        const transactions = transactionsIn(store);
        const last = transactions.at(-1)?.id ?? 0;
        console.info(
          `run ${run}: SIGKILL sent at commit #${commitsBeforeKill} of this run; last reported commit ${killed.lastAcknowledged}, last stored ${last}, WAL present: ${killed.walExisted}`,
        );
        // Every acknowledged commit survived; the writer may have committed a few more before the kill.
        expect(last, `run ${run}: killed after ${commitsBeforeKill} commits`).toBeGreaterThanOrEqual(killed.lastAcknowledged);
        // No gaps and no partial transaction: ids run 1..last, each with all of its rows.
        expect(transactions.map((t) => t.id)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
        expect(transactions.every((t) => t.rows === ROWS_PER_TRANSACTION)).toBe(true);
        // Rows written in the same transaction as the messages agree with them.
        expect(readKv(store.db, 'profile', 'lastTransaction', z.number())).toBe(last);
        expect(store.db.prepare(`SELECT last_activity_at FROM conversations WHERE id = 'crash'`).pluck().get()).toBe(last);
        expect(store.db.prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'transaction'`).pluck().get()).toBe(
          last * ROWS_PER_TRANSACTION,
        );
      } finally {
        store.close();
      }
    }
  });
});
