/**
 * Runs coturn (`turnserver`) beside the reference server for local development and tests: a
 * config file and shared secret in the data folder, listening on loopback only, ready once it
 * answers a STUN Binding request, stopped with the server. Production runs coturn on its own
 * host and passes `--turn-url`/`--turn-secret` instead (server/README.md, "Calls: TURN").
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { accessSync, constants } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';
import { stunAnswers } from './stunProbe';

export type CoturnOptions = Readonly<{
  /** Folder for coturn's config, secret, log, pid and database (created 0700). */
  dir: string;
  /** coturn's `static-auth-secret`; the server mints credentials with the same one. */
  secret: string;
  realm: string;
  /**
   * UDP and TCP port to listen on; taken or absent: the one used last time (`dir/port`) if free,
   * else a free one the system picks. Clients keep the URLs for up to `ttl`, so the same port
   * across restarts keeps their cached configuration working.
   */
  preferredPort?: number;
  /** Path of `turnserver` (default: found on PATH). */
  binary?: string;
  /** How long to wait for the first STUN answer (measured: 0.4–0.9 s on a loaded machine). */
  readyTimeoutMs?: number;
}>;

export type RunningCoturn = Readonly<{
  /** The TURN URLs clients get in `/calls/config`: one server, UDP and TCP. */
  urls: readonly string[];
  host: string;
  port: number;
  secret: string;
  logFile: string;
  /** Resolves with coturn's exit code when it stops, by `stop()` or on its own. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}>;

/** Loopback only: `allow-loopback-peers` (needed for relaying between local peers) is safe only there. */
const LOOPBACK = '127.0.0.1';
const RELAY_PORTS = 200;
const DEFAULT_READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Keeps coturn's life bound to the server's: the shell starts `turnserver` and waits on its
 * stdin, which is a pipe from the server. When the server closes it, or dies in any way
 * (even `kill -9`), the pipe reaches end of file and coturn is stopped; when coturn exits on
 * its own, so does the shell.
 */
// (A background job of a non-interactive shell reads /dev/null unless told otherwise: hence fd 3.)
const LIFELINE = 'exec 3<&0; "$0" -c "$1" </dev/null & t=$!; { cat <&3 >/dev/null; kill $t 2>/dev/null; } & w=$!; wait $t; s=$?; kill $w 2>/dev/null; exit $s';

/** `turnserver` on PATH, or undefined when coturn is not installed. */
export function findTurnserver(pathVariable: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'turnserver');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * The shared secret kept in `dir/secret` (0600), made on first use: it must survive restarts,
 * or every credential a client cached (for `ttl`) would stop working when the server restarts.
 */
export async function turnSecretIn(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'secret');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 32) return stored;
  } catch {
    // first start
  }
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** coturn's configuration: the options measured in reference/feas-calls §6 and PLATFORM-NOTES. */
export function coturnConfig(dir: string, options: Readonly<{ port: number; minPort: number; maxPort: number; secret: string; realm: string }>): string {
  return [
    `listening-ip=${LOOPBACK}`,
    `relay-ip=${LOOPBACK}`,
    `listening-port=${options.port}`,
    `min-port=${options.minPort}`,
    `max-port=${options.maxPort}`,
    // Credentials are minted by the server from this secret only (turn/credentials.ts).
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    `realm=${options.realm}`,
    'fingerprint',
    'no-multicast-peers',
    // Both peers of a local call are on 127.0.0.1; without this coturn answers 403 Forbidden IP.
    'allow-loopback-peers',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-software-attribute',
    `pidfile=${path.join(dir, 'turnserver.pid')}`,
    `userdb=${path.join(dir, 'turndb.sqlite')}`,
    `log-file=${path.join(dir, 'turnserver.log')}`,
    'simple-log',
    '',
  ].join('\n');
}

/** Starts coturn and waits until it answers STUN; an error value says why it could not. */
export async function startCoturn(options: CoturnOptions): Promise<Result<RunningCoturn>> {
  const binary = options.binary ?? findTurnserver();
  if (binary === undefined) return err('turn-not-installed', 'coturn (turnserver) is not installed.');
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const portFile = path.join(options.dir, 'port');
  const lastPort = Number((await readFile(portFile, 'utf8').catch(() => '')).trim());
  const port = await freePort(options.preferredPort ?? (Number.isInteger(lastPort) && lastPort > 0 ? lastPort : undefined));
  const minPort = randomInt(49152, 65535 - RELAY_PORTS);
  const configFile = path.join(options.dir, 'turnserver.conf');
  // The file holds the secret: made anew 0600 (never a looser older file rewritten), and the
  // secret never goes on the command line, where `ps` shows it to every local user.
  await rm(configFile, { force: true });
  await writeFile(configFile, coturnConfig(options.dir, { port, minPort, maxPort: minPort + RELAY_PORTS - 1, secret: options.secret, realm: options.realm }), { mode: 0o600, flag: 'wx' });
  const logFile = path.join(options.dir, 'turnserver.log');
  const child: ChildProcessByStdio<Writable, null, Readable> = spawn('sh', ['-c', LIFELINE, binary, configFile], { stdio: ['pipe', 'ignore', 'pipe'] });
  // Ending stdin after the shell is gone must not become an unhandled EPIPE.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const ready = await Promise.race([stunAnswers(LOOPBACK, port, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS), exited.then(() => false)]);
  if (!ready) {
    await stop();
    const log = await readFile(logFile, 'utf8').catch(() => '');
    const reason = lastLines(`${log}\n${stderr}`, 3);
    return err('turn-not-ready', `coturn did not answer on ${LOOPBACK}:${port}${reason ? `: ${reason}` : ''}`);
  }
  await writeFile(portFile, `${port}\n`);
  return ok({
    urls: [`turn:${LOOPBACK}:${port}?transport=udp`, `turn:${LOOPBACK}:${port}?transport=tcp`],
    host: LOOPBACK,
    port,
    secret: options.secret,
    logFile,
    exited,
    stop,
  });
}

function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .slice(-count)
    .join(' / ');
}

/**
 * `preferred` when both its UDP and TCP port are free on loopback, else a free one the system
 * picks. No fixed default such as 3478: two servers starting at once would both find it free,
 * and the second coturn, unable to bind, would leave the first one answering for it.
 */
async function freePort(preferred: number | undefined): Promise<number> {
  if (preferred !== undefined && preferred > 0 && (await portFree(preferred))) return preferred;
  for (let attempt = 0; attempt < 20; attempt++) {
    const candidate = await systemUdpPort();
    if (await portFree(candidate)) return candidate;
  }
  throw new Error('no free port for coturn on 127.0.0.1');
}

function systemUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

async function portFree(port: number): Promise<boolean> {
  const udp = await new Promise<boolean>((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, LOOPBACK, () => socket.close(() => resolve(true)));
  });
  if (!udp) return false;
  return new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}
