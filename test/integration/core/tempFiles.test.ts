import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTempDirs } from './tempProfile';

const PROBE = fileURLToPath(new URL('../../fixtures/tempFileProbe.ts', import.meta.url));
const tempDir = useTempDirs();

const ReportSchema = z.object({
  rows: z.number(),
  statementsMs: z.number(),
  scans: z.number(),
  files: z.array(z.object({ name: z.string(), holdsMarker: z.boolean(), phase: z.string() })),
});
type Report = z.infer<typeof ReportSchema>;

/** Runs the probe in its own process with SQLite's temp folder pointed at `watched`. */
function runProbe(dbFile: string, watched: string, marker: string, forceFileTemp: boolean): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROBE, dbFile, ...(forceFileTemp ? ['--force-file-temp'] : [])], {
      env: { ...process.env, CAIRN_TEST_DB_KEY: randomBytes(32).toString('hex'), CAIRN_TEST_MARKER: marker, SQLITE_TMPDIR: watched },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`probe exited with ${String(code)}: ${stderr}`));
      else resolve(ReportSchema.parse(JSON.parse(stdout)));
    });
  });
}

function filesHoldingMarker(dir: string, marker: string): string[] {
  return readdirSync(dir).filter((name) => readFileSync(join(dir, name)).includes(marker));
}

// The watcher reads SQLite's unlinked temp files through /proc/self/fd.
describe.skipIf(process.platform !== 'linux')('SQLite temporary files', () => {
  it('writes no plaintext to the temp folder while an import rebuilds the message index or a large sort runs', async () => {
    const root = tempDir();
    const watched = join(root, 'sqlite-tmp');
    mkdirSync(watched);
    const marker = `temp-marker-${randomBytes(12).toString('hex')}`;

    // Control: the same workload with SQLite's default of temp files on disk spills the marker in
    // plaintext, and the watcher sees it; so the run below proves something. The sort runs long
    // enough that the watcher always catches it; the index rebuild is short, and on a loaded
    // machine the watcher thread may not be scheduled while it runs, so it is not required here.
    const control = await runProbe(join(root, 'control.db'), watched, marker, true);
    expect(control.rows).toBe(40_000);
    const leaked = control.files.filter((f) => f.holdsMarker).map((f) => f.phase);
    expect(leaked).toContain('sort');

    // The store as the core opens it.
    const report = await runProbe(join(root, 'cairn.db'), watched, marker, false);
    expect(report.rows).toBe(40_000);
    expect(report.scans).toBeGreaterThan(10);
    expect(report.files.filter((f) => f.holdsMarker)).toEqual([]);
    expect(filesHoldingMarker(watched, marker)).toEqual([]);
  });
});
