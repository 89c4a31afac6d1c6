import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireSfuNamespace, SFU_INTERFACE } from '../support/sfuNamespace';
import { waitUntil } from './support/mediaPage';

requireSfuNamespace();

/** Signal 0 checks that a process exists without touching it. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run server with Janus installed', () => {
  it('says in its log which SFU it started, and takes Janus down when it is killed with SIGKILL', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-sfu-cmd-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--data', dataDir, '--port', '0'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    try {
      expect(await waitUntil(() => Promise.resolve(/^pin: /m.test(output)), 60_000)).toBe(true);
      const line = log.split('\n').find((entry) => entry.includes('SFUs in use'));
      expect(line).toMatch(new RegExp(`SFUs in use: local Janus http://127\\.0\\.0\\.1:\\d+/janus \\(pid \\d+, ICE on ${SFU_INTERFACE}`));
      const pid = Number(/pid (\d+)/.exec(line ?? '')?.[1]);
      expect(processExists(pid)).toBe(true);
      child.kill('SIGKILL');
      expect(await waitUntil(() => Promise.resolve(!processExists(pid)), 10_000)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
