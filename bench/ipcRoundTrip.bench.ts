/**
 * Cost of one IPC request through the real path (bridge → port → router with zod validation
 * → port → bridge), against a bare echo over the same kind of worker port measured in the
 * same run. Prints the ratio; machines here are noisy, so only the ratio means anything.
 */
import { build } from 'esbuild';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createBridge } from '../electron/core/ipc/bridge';
import type { BenchResult } from './harness';
import { measure } from './harness';

const ROUNDS = 2000;

export async function run(): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-ipc-'));
  const outfile = path.join(process.cwd(), 'test-output', 'bench', 'core-worker.mjs');
  await build({
    entryPoints: ['electron/core/hosts/nodeWorker.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  const core = new Worker(outfile, { workerData: { options: { dataDir: dir, appVersion: 'bench', defaultServer: null } } });
  const echo = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage({ kind: "response", id: m.id, result: { ok: true, value: m.payload } }));', { eval: true });
  try {
    const viaCore = createBridge({ send: (m) => core.postMessage(m), onMessage: (l) => core.on('message', l) });
    const viaEcho = createBridge({ send: (m) => echo.postMessage(m), onMessage: (l) => echo.on('message', l) });
    const baseline = await measure(ROUNDS, async () => {
      await viaEcho.request('app.ping', { nonce: 'n' });
    });
    const subject = await measure(ROUNDS, async () => {
      const result = await viaCore.request('app.ping', { nonce: 'n' });
      if (!result.ok) throw new Error(result.error.code);
    });
    return { name: 'IPC request through the core router', baselineName: 'bare worker echo', baseline, subject };
  } finally {
    await Promise.all([core.terminate(), echo.terminate()]);
    await rm(dir, { recursive: true, force: true });
  }
}
