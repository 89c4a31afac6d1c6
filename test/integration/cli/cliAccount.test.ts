import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { mailedCode } from '../../support/outbox';

let root: string;
let server: RunningServer;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI as a user would, as its own process. */
function cli(args: readonly string[], stdin = '', env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'electron/cli/main.ts', '--profile', path.join(root, 'profile'), '--server', server.url, '--pin', server.pin, ...args],
      { env: { ...process.env, CAIRN_DB_PASSPHRASE: 'cli-profile-passphrase', ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-cli-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('CLI account commands', () => {
  it('registers, activates with the mailed code and reports who is signed in, as JSON', async () => {
    const email = 'dana@example.test';
    const register = await cli(['register', '--email', email, '--name', 'Dana', '--password-stdin', '--json'], 'Sturdy-Pass-42\n');
    expect(register.code).toBe(0);
    expect(JSON.parse(register.stdout)).toMatchObject({ state: 'awaiting-code', email });

    const code = await mailedCode(path.join(root, 'server'), email);
    const withoutPassword = await cli(['activate', '--email', email, '--code', code, '--json']);
    expect(withoutPassword.code).toBe(2);
    const activate = await cli(['activate', '--email', email, '--code', code, '--password-stdin', '--json'], 'Sturdy-Pass-42\n');
    expect(activate.code).toBe(0);
    expect(JSON.parse(activate.stdout)).toMatchObject({ state: 'signed-in', user: { email, name: 'Dana' } });

    const whoami = await cli(['whoami', '--json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ state: 'signed-in', self: { email, name: 'Dana' } });

    const devices = await cli(['devices', '--json']);
    expect(devices.code).toBe(0);
    const listed = JSON.parse(devices.stdout) as { devices: Array<{ current: boolean; fingerprint: string | null }> };
    expect(listed.devices).toHaveLength(1);
    expect(listed.devices[0]).toMatchObject({ current: true, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('prints errors to stderr with their code and exits non-zero', async () => {
    const again = await cli(['login', '--email', 'dana@example.test', '--password-stdin', '--json'], 'Sturdy-Pass-42');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: 'account-signed-in' } });

    const wrongPassphrase = await cli(['whoami'], '', { CAIRN_DB_PASSPHRASE: 'not-the-passphrase' });
    expect(wrongPassphrase.code).toBe(1);
    expect(wrongPassphrase.stderr).toMatch(/^error vault-wrong-passphrase: /);

    const usage = await cli(['register', '--email', 'x@example.test']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error usage: /);
  });

  it('erases the profile at logout and says so', async () => {
    const profile = path.join(root, 'profile');
    expect((await readdir(profile)).length).toBeGreaterThan(0);
    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain(`Signed out. Everything Cairn kept in ${profile}`);
    expect(await readdir(profile, { recursive: true })).toEqual([]);
    const whoami = await cli(['whoami', '--json']);
    expect(JSON.parse(whoami.stdout)).toEqual({ state: 'signed-out' });
  });
});
