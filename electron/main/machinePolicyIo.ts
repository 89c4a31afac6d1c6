/** The OS calls machinePolicyReader.ts needs, done synchronously at start (one short command or one small file). */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { PolicyIo } from './machinePolicyReader';

export const nodePolicyIo: PolicyIo = {
  run(command, args) {
    const result = spawnSync(command, [...args], { encoding: 'utf8', timeout: 10_000, windowsHide: true });
    if (result.error) return null;
    return { status: result.status, stdout: result.stdout };
  },
  readText(file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
      throw error;
    }
  },
  exists: (file) => existsSync(file),
};
