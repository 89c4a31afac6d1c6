import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster of the test's own, on 127.0.0.1 and a free port. */
export type PostgresCluster = Readonly<{
  /** The cluster's URL without a database name (`postgres://cairn@127.0.0.1:PORT`). */
  base: string;
  /** A new, empty database in the cluster, as a `postgres://` URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}>;

/** Creates a new, empty database in the cluster at `base` (see `PostgresCluster.base`) and returns its URL. */
export async function createDatabaseIn(base: string): Promise<string> {
  const name = `cairn_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return `${base}/${name}`;
}

/** The newest Debian PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`), or `undefined` when not installed. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const bin = majors[0] === undefined ? undefined : path.join(root, majors[0], 'bin');
  return bin !== undefined && existsSync(path.join(bin, 'initdb')) ? bin : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a cluster with initdb and pg_ctl in a temporary folder (fsync off: it is thrown away;
 * 400 connections: a whole integration run on PostgreSQL puts many servers, each with a pool of
 * up to 10, on one cluster).
 * PostgreSQL refuses to run as root, so as root the cluster belongs to Debian's `postgres` user
 * (the package creates it) and its commands run through `runuser`.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinaries();
  if (bin === undefined) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const asRoot = process.getuid?.() === 0;
  const root = await mkdtemp(path.join(os.tmpdir(), 'cairn-pg-'));
  const dataDir = path.join(root, 'data');
  const as = async (command: string, args: readonly string[]): Promise<void> => {
    const file = path.join(bin, command);
    if (asRoot) await run('runuser', ['-u', 'postgres', '--', file, ...args]);
    else await run(file, [...args]);
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(root, Number(stdout.trim()), Number(group.trim()));
  }
  const port = await freePort();
  await as('initdb', ['-D', dataDir, '-U', 'cairn', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  await as('pg_ctl', [
    '-D',
    dataDir,
    '-l',
    path.join(root, 'log'),
    '-o',
    `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400`,
    '-w',
    'start',
  ]);
  const base = `postgres://cairn@127.0.0.1:${port}`;
  return {
    base,
    createDatabase: () => createDatabaseIn(base),
    stop: async () => {
      await as('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
