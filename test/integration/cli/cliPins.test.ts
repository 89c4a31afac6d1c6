import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { IPC_ERRORS } from '../../../electron/core/ipc/errors';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import { loadTlsMaterial } from '../../../server/tls/certificate';
import type { BundledCli, CliRun } from '../../support/cliProcess';
import { bundleCli } from '../../support/cliProcess';
import { mailedCode } from '../../support/outbox';

let root: string;
let server: RunningServer;
let bundled: BundledCli;

/** Runs the CLI as a user would, as its own process, on this test's profile. */
function cli(args: readonly string[], stdin = ''): Promise<CliRun> {
  return bundled.run(['--profile', path.join(root, 'profile'), ...args], { stdin, env: { CAIRN_DB_PASSPHRASE: 'cli-profile-passphrase' } });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-cli-pins-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
  bundled = await bundleCli();
});

afterAll(async () => {
  await bundled?.remove();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('CLI and pins', () => {
  it('takes backup pins with --pin, and exits non-zero with the pin sentence when the server presents an unknown key', async () => {
    const backup = `sha256/${'B'.repeat(43)}=`;
    const email = 'pia@example.test';
    const register = await cli(['--server', server.url, '--pin', `${server.pin},${backup}`, 'register', '--email', email, '--name', 'Pia', '--password-stdin', '--json'], 'Sturdy-Pass-42\n');
    expect(register.code, register.stderr).toBe(0);
    expect(JSON.parse(register.stdout)).toMatchObject({ server: { pins: [server.pin, backup] } });
    const activated = await cli(['activate', '--email', email, '--code', await mailedCode(path.join(root, 'server'), email), '--password-stdin', '--json'], 'Sturdy-Pass-42\n');
    expect(activated.code, activated.stderr).toBe(0);
    expect((await cli(['sync'])).code).toBe(0);
    const created = await cli(['create-conversation', '--name', 'Notes', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const conversationId = z.object({ id: z.string() }).parse(JSON.parse(created.stdout)).id;

    const badPin = await cli(['--server', server.url, '--pin', `${server.pin},sha256/short=`, 'probe']);
    expect(badPin.code).toBe(2);
    expect(badPin.stderr).toContain('"sha256/short=" is not a pin');

    // The same address now presents a key this profile never pinned.
    const port = Number(new URL(server.url).port);
    await server.close();
    const other = await loadTlsMaterial(path.join(root, 'other'), {}, ['127.0.0.1']);
    const restarted = await startServer({
      dataDir: path.join(root, 'server'),
      port,
      logLevel: 'silent',
      tlsKeyFile: path.join(root, 'other', 'tls', 'key.pem'),
      tlsCertFile: path.join(root, 'other', 'tls', 'cert.pem'),
    });
    if (!restarted.ok) throw new Error(restarted.error.message);
    server = restarted.value;
    expect(server.pin).toBe(other.pin);

    for (const command of [['sync'], ['conversations'], ['sync', '--json']]) {
      const run = await cli(command);
      expect(run.code, `${command.join(' ')}: ${run.stdout}`).toBe(1);
      expect(run.stderr).toContain(IPC_ERRORS['tls-pin-mismatch']);
    }
    // `send` posts without syncing first: the post itself fails the pin check.
    const sent = await cli(['send', conversationId, 'not to an unknown key']);
    expect(sent.code, sent.stdout).toBe(1);
    expect(sent.stderr).toContain(IPC_ERRORS['tls-pin-mismatch']);
  }, 120_000);
});
