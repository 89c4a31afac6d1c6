/**
 * `npm run server` and TURN: it starts coturn beside itself when coturn is installed (secret and
 * config 0600 in the data folder, never on a command line), hands that coturn's URLs and
 * matching credentials out at `/calls/config`, stops it with itself (even on kill -9), and says
 * in one `turn:` line which TURN calls use, or why none.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CallConfigSchema } from '../../../protocol';
import { turnPassword } from '../../../server/turn/credentials';
import { stunAnswers } from '../../../server/turn/stunProbe';
import { Api } from './support/api';
import { registerUser } from './support/users';

type Started = Readonly<{
  child: ChildProcessByStdio<null, Readable, Readable>;
  lines: Promise<Record<string, string>>;
  exited: Promise<number | null>;
  /** The end of what the server wrote to stderr so far. */
  stderr: () => string;
}>;

const dirs: string[] = [];
const children: Started['child'][] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-turn-launch-'));
  dirs.push(dir);
  return dir;
}

/** Runs server/main.ts as `npm run server` does; `lines` has its url, pin and turn lines once printed. */
function runServer(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', ...args], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString('utf8')).slice(-4000)));
  const lines = new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no turn line within 60 s: ${output} ${errors}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = Object.fromEntries([...output.matchAll(/^(url|pin|turn): (.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
      if (found.turn !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)}: ${output} ${errors}`));
    });
  });
  return { child, lines, exited, stderr: () => errors };
}

function turnPort(line: string): number {
  const port = /^turn:127\.0\.0\.1:(\d+)\?transport=udp /.exec(line)?.[1];
  if (port === undefined) throw new Error(`no bundled coturn in "${line}"`);
  return Number(port);
}

describe('npm run server with coturn installed', () => {
  it('starts coturn beside itself, hands out credentials it accepts, and stops it when the server stops', async () => {
    const dir = await dataDir();
    const server = runServer(['--data', dir]);
    const lines = await server.lines;
    expect(lines.turn).toMatch(/^turn:127\.0\.0\.1:\d+\?transport=udp turn:127\.0\.0\.1:\d+\?transport=tcp \(coturn started beside this server; config, secret and log in .*\)$/);
    const port = turnPort(lines.turn ?? '');
    expect(await stunAnswers('127.0.0.1', port, 5_000)).toBe(true);

    // The secret stays in files only the server's user can read, and off every command line.
    const secret = (await readFile(path.join(dir, 'turn', 'secret'), 'utf8')).trim();
    for (const file of ['secret', 'turnserver.conf']) expect((await stat(path.join(dir, 'turn', file))).mode & 0o077).toBe(0);
    const coturnPid = (await readFile(path.join(dir, 'turn', 'turnserver.pid'), 'utf8')).trim();
    expect(await readFile(`/proc/${coturnPid}/cmdline`, 'utf8')).not.toContain(secret);

    const api = await Api.forServer(lines.url ?? '', dir);
    try {
      const user = await registerUser(api, dir);
      const config = CallConfigSchema.parse((await api.get('/calls/config', { token: user.token })).body);
      const [ice] = config.iceServers;
      expect(ice?.urls.join(' ')).toBe((lines.turn ?? '').split(' (')[0]);
      expect(ice?.credential).toBe(turnPassword(secret, ice?.username ?? ''));
    } finally {
      api.close();
    }

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await stunAnswers('127.0.0.1', port, 1_000)).toBe(false);
  });

  it('takes coturn down with it when the server is killed outright, and reuses its secret and port on the next start, and reports a coturn that dies on its own', async () => {
    const dir = await dataDir();
    const first = runServer(['--data', dir]);
    const port = turnPort((await first.lines).turn ?? '');
    const secret = await readFile(path.join(dir, 'turn', 'secret'), 'utf8');
    first.child.kill('SIGKILL');
    await first.exited;
    await expect.poll(() => stunAnswers('127.0.0.1', port, 500), { timeout: 10_000 }).toBe(false);

    // Same secret and same port: what clients cached (for up to ttl) keeps working.
    const second = runServer(['--data', dir]);
    const again = turnPort((await second.lines).turn ?? '');
    expect(again).toBe(port);
    expect(await stunAnswers('127.0.0.1', again, 5_000)).toBe(true);
    expect(await readFile(path.join(dir, 'turn', 'secret'), 'utf8')).toBe(secret);

    // A coturn that dies while the server runs is reported, not silently missing.
    process.kill(Number((await readFile(path.join(dir, 'turn', 'turnserver.pid'), 'utf8')).trim()), 'SIGKILL');
    await expect.poll(() => second.stderr(), { timeout: 10_000 }).toContain('coturn stopped on its own');
  });
});

describe('npm run server says which TURN calls use', () => {
  it('names an existing coturn given with --turn-url and --turn-secret-file', async () => {
    const dir = await dataDir();
    const secretFile = path.join(dir, 'turn-secret');
    await writeFile(secretFile, 'the-shared-secret\n', { mode: 0o600 });
    const url = 'turn:turn.example.org:3478?transport=udp';
    const lines = await runServer(['--data', path.join(dir, 'server'), '--turn-url', url, '--turn-secret-file', secretFile]).lines;
    expect(lines.turn).toBe(`${url} (an existing TURN server, from --turn-url)`);
  });

  it('says calls get no TURN with --no-turn or without coturn installed', async () => {
    const off = await runServer(['--data', await dataDir(), '--no-turn']).lines;
    expect(off.turn).toBe('none (calls connect directly only, without a relay: turned off with --no-turn)');
    const missing = await runServer(['--data', await dataDir()], { ...process.env, PATH: '/nonexistent' }).lines;
    expect(missing.turn).toMatch(/^none \(calls connect directly only, without a relay: coturn \(turnserver\) is not installed here/);
  });

  it('refuses --turn-url without the secret coturn checks credentials with', async () => {
    const server = runServer(['--data', await dataDir(), '--turn-url', 'turn:turn.example.org:3478']);
    let errors = '';
    server.child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    server.lines.catch(() => undefined);
    expect(await server.exited).toBe(2);
    expect(errors).toContain('--turn-url needs --turn-secret');
  });
});
