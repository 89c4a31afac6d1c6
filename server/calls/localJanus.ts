import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
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
/**
 * Started with util-linux `setpriv --pdeathsig KILL` when present, so a server killed with SIGKILL
 * takes its Janus along. KILL, not TERM: under load a Janus told to stop with TERM was seen still
 * running 25 minutes later (its graceful shutdown waits on its threads), and it keeps no state
 * worth a graceful stop (rooms live only as long as their calls).
 */
const SETPRIV = '/usr/bin/setpriv';
/** Measured 250–425 ms from spawn to `/janus/info` on a loaded 2-core machine. */
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 50;

export type LocalJanusOptions = Readonly<{
  /** Config and log folder, `DATA/janus`. */
  dir: string;
  tokenSecret: string;
  binary?: string;
  /** Interface for ICE (`--sft-interface`); default: the first non-loopback one. */
  iceInterface?: string;
  /** UDP ports for media, `min-max`. */
  rtpPortRange?: string;
  /** Injectable for tests; default `os.networkInterfaces()`. */
  interfaces?: InterfaceTable;
  /** Serve the API over HTTPS on `ip` with this key and certificate instead of http on loopback. */
  https?: Readonly<{ ip: string; keyPem: string; certPem: string }>;
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
 * Writes the config into `dir`, starts Janus and answers once `/janus/info` does. The API is
 * plain http on 127.0.0.1, or https with the given key on `https.ip`; every request needs a
 * token signed with `tokenSecret`.
 */
export async function startLocalJanus(options: LocalJanusOptions): Promise<Result<LocalJanus>> {
  const binary = options.binary ?? JANUS_BINARY;
  if (!janusInstalled(binary)) return err('sfu-not-installed', `Janus was not started: ${binary} does not exist (Debian package "janus").`);
  const iface = pickIceInterface(options.interfaces ?? os.networkInterfaces(), options.iceInterface);
  if (!iface.ok) return iface;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  await chmod(options.dir, 0o700);
  const apiIp = options.https?.ip ?? '127.0.0.1';
  const httpPort = await freePort(apiIp);
  let httpsFiles: { ip: string; certFile: string; keyFile: string } | undefined;
  if (options.https !== undefined) {
    httpsFiles = { ip: apiIp, certFile: path.join(options.dir, 'api-cert.pem'), keyFile: path.join(options.dir, 'api-key.pem') };
    await writeFile(httpsFiles.certFile, options.https.certPem, { mode: 0o600 });
    await writeFile(httpsFiles.keyFile, options.https.keyPem, { mode: 0o600 });
  }
  const files = renderJanusConfig({
    ...(httpsFiles !== undefined ? { https: httpsFiles } : {}),
    configDir: options.dir,
    httpPort,
    iceInterface: iface.value,
    rtpPortRange: options.rtpPortRange ?? '20000-40000',
    tokenSecret: options.tokenSecret,
  });
  for (const name of JANUS_CONFIG_FILES) await writeFile(path.join(options.dir, name), files[name], { mode: 0o600 });
  const logFile = path.join(options.dir, 'janus.log');
  const log = await open(logFile, 'w', 0o600);
  const args = ['-C', path.join(options.dir, 'janus.jcfg'), '-F', options.dir, '-o'];
  let child: ChildProcess;
  try {
    child = existsSync(SETPRIV)
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args], { stdio: ['ignore', log.fd, log.fd] })
      : spawn(binary, args, { stdio: ['ignore', log.fd, log.fd] });
  } finally {
    await log.close();
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const host = apiIp.includes(':') ? `[${apiIp}]` : apiIp;
  const url = `${options.https ? 'https' : 'http'}://${host}:${httpPort}/janus`;
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
    const body = await getJson(`${url}/info`).catch(() => undefined);
    if (typeof body === 'object' && body !== null && 'janus' in body && body.janus === 'server_info') return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}

/**
 * One GET for the readiness probe. Over https the certificate is the server's own and is not
 * checked here (the probe only asks whether Janus answers); clients check it against the pin.
 */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? https : http).get(url, { timeout: 1000, rejectUnauthorized: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

/** A port free on `ip` right now (Janus binds it a moment later; a collision fails the start). */
function freePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, ip, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
