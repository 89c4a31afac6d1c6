import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';
import type { InterfaceTable } from './iceInterface';
import { pickIceInterface } from './iceInterface';
import { JANUS_CONFIG_FILES, renderJanusConfig } from './janusConfig';

export const JANUS_BINARY = '/usr/bin/janus';
/** Started with util-linux `setpriv --pdeathsig` when present, so a server killed with SIGKILL takes its Janus along. */
const SETPRIV = '/usr/bin/setpriv';
/** Measured 250–425 ms from spawn to `/janus/info` on a loaded 2-core machine. */
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 50;

export type LocalJanusOptions = Readonly<{
  /** Config and log folder, `DATA/janus`. */
  dir: string;
  tokenSecret: string;
  adminKey: string;
  binary?: string;
  /** Interface for ICE (`--sft-interface`); default: the first non-loopback one. */
  iceInterface?: string;
  /** UDP ports for media, `min-max`. */
  rtpPortRange?: string;
  /** Injectable for tests; default `os.networkInterfaces()`. */
  interfaces?: InterfaceTable;
}>;

export type LocalJanus = Readonly<{
  /** Base URL of the Janus API, `http://127.0.0.1:PORT/janus`. */
  url: string;
  iceInterface: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}>;

export function janusInstalled(binary: string = JANUS_BINARY): boolean {
  return existsSync(binary);
}

/**
 * Writes the config into `dir`, starts Janus and answers once `/janus/info` does. Janus is
 * reachable on 127.0.0.1 only; every request needs a token signed with `tokenSecret`.
 */
export async function startLocalJanus(options: LocalJanusOptions): Promise<Result<LocalJanus>> {
  const binary = options.binary ?? JANUS_BINARY;
  if (!janusInstalled(binary)) return err('sfu-not-installed', `Janus was not started: ${binary} does not exist (Debian package "janus").`);
  const iface = pickIceInterface(options.interfaces ?? os.networkInterfaces(), options.iceInterface);
  if (!iface.ok) return iface;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await chmod(options.dir, 0o700);
  const httpPort = await freeLoopbackPort();
  const files = renderJanusConfig({
    configDir: options.dir,
    httpPort,
    iceInterface: iface.value,
    rtpPortRange: options.rtpPortRange ?? '20000-40000',
    tokenSecret: options.tokenSecret,
    adminKey: options.adminKey,
  });
  for (const name of JANUS_CONFIG_FILES) await writeFile(path.join(options.dir, name), files[name], { mode: 0o600 });
  const logFile = path.join(options.dir, 'janus.log');
  const log = await open(logFile, 'w', 0o600);
  const args = ['-C', path.join(options.dir, 'janus.jcfg'), '-F', options.dir, '-o'];
  let child: ChildProcess;
  try {
    child = existsSync(SETPRIV)
      ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', binary, ...args], { stdio: ['ignore', log.fd, log.fd] })
      : spawn(binary, args, { stdio: ['ignore', log.fd, log.fd] });
  } finally {
    await log.close();
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const url = `http://127.0.0.1:${httpPort}/janus`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const ready = await waitForInfo(url, exited);
  if (!ready) {
    await stop();
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    return err('sfu-start-failed', `Janus did not answer on ${url}/info within ${READY_TIMEOUT_MS / 1000} s (log ${logFile}):\n${tail}`);
  }
  return ok({ url, iceInterface: iface.value, pid: child.pid ?? -1, logFile, stop });
}

/** Ready = `/janus/info` answers `server_info` (it needs no token). False if Janus exits first. */
async function waitForInfo(url: string, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/info`, { signal: AbortSignal.timeout(1000) });
      const body: unknown = await response.json();
      if (typeof body === 'object' && body !== null && 'janus' in body && body.janus === 'server_info') return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}

/** A port free on 127.0.0.1 right now (Janus binds it a moment later; a collision fails the start). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
