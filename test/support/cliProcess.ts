import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../build/bundle';
import { bundleNodeEntry } from './nodeBundle';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface BundledCli {
  /** Runs the CLI as a user would, as its own process. */
  run(args: readonly string[], options?: Readonly<{ stdin?: string; env?: Readonly<Record<string, string>> }>): Promise<CliRun>;
  remove(): Promise<void>;
}

/**
 * Bundles electron/cli/main.ts once, the way the test host bundles the core's worker (our code
 * in one file, npm packages loaded from node_modules), so that each CLI process starts from
 * plain JavaScript. Under `--import tsx` every process spent about two seconds of CPU compiling
 * the core again, which made a test of thirty commands take most of its timeout on a loaded
 * machine. The commands, processes, server and encrypted stores are the same.
 */
export async function bundleCli(): Promise<BundledCli> {
  // A name of its own: test files run in parallel and each removes its bundle afterwards.
  const outfile = path.join(REPO_ROOT, 'test-output', 'cli', `cli-${randomBytes(6).toString('hex')}.mjs`);
  await bundleNodeEntry('electron/cli/main.ts', outfile);
  return {
    run: (args, options = {}) => runNode(outfile, args, options.stdin ?? '', options.env ?? {}),
    remove: () => rm(outfile, { force: true }),
  };
}

function runNode(script: string, args: readonly string[], stdin: string, env: Readonly<Record<string, string>>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
