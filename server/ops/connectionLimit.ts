import type { Server } from 'node:net';
import type { FdLimit } from './fdLimit';

/** The part of the server's logger this needs. */
export type WarnLog = Readonly<{ warn(fields: Record<string, unknown>, message: string): void }>;

/** Why a connection was refused: the connection cap below the open-file limit, or an accept error (its code). */
export type Refusal = 'fd-limit' | string;

/** At most this many refused connections are logged one by one per second; the rest are summed up. */
const LOGGED_PER_SECOND = 20;

/**
 * Descriptors kept free for everything but client connections: the SQLite files, asset uploads
 * in flight, mail, TLS files, the hashing threads, logs. 5 % of the limit, at least 64, at most 1 024.
 */
export function reservedDescriptors(limit: number): number {
  return Math.min(1024, Math.max(64, Math.floor(limit * 0.05)));
}

/**
 * Caps client connections below the open-file limit and logs and counts each one refused.
 * Why a cap and not a watch on accept errors: at the limit, `accept` fails with EMFILE, and
 * libuv's "EMFILE trick" (src/unix/stream.c, `uv__emfile_trick`) accepts and closes the waiting
 * connections without telling Node — measured here: no error event, nothing in the log — and the
 * server's own files (uploads, the database) would fail next. With `server.maxConnections` set,
 * Node closes connections beyond the cap itself and emits `drop` (Node ≥ 18.6), which is logged
 * with the limit, bounded per second so a flood cannot fill the disk with log lines. Other
 * accept errors that reach Node are logged and counted the same way.
 * Returns the cap (`undefined` when the limit is unknown or unlimited).
 */
export function limitConnections(server: Server, limit: FdLimit | undefined, log: WarnLog, refused: (reason: Refusal) => void, now: () => number = Date.now): number | undefined {
  const cap = limit === undefined || !Number.isFinite(limit.soft) ? undefined : Math.max(1, limit.soft - reservedDescriptors(limit.soft));
  if (cap !== undefined) server.maxConnections = cap;
  const fdLimit = limit === undefined ? 'unknown' : String(limit.soft);
  let second = 0;
  let loggedThisSecond = 0;
  let unlogged = 0;
  const report = (reason: Refusal): void => {
    refused(reason);
    const current = Math.floor(now() / 1000);
    if (current !== second) {
      second = current;
      loggedThisSecond = 0;
    }
    if (loggedThisSecond >= LOGGED_PER_SECOND) {
      unlogged += 1;
      return;
    }
    loggedThisSecond += 1;
    const why =
      reason === 'fd-limit' || reason === 'EMFILE' || reason === 'ENFILE'
        ? ` ${cap ?? 'The'} connections are open, near the open-file limit of ${fdLimit}: raise it (LimitNOFILE= in the systemd unit, or ulimit -n before start).`
        : '';
    log.warn({ event: 'connection-refused', reason, fdLimit, maxConnections: cap ?? null, notLoggedBefore: unlogged }, `A connection was refused (${reason}).${why}`);
    unlogged = 0;
  };
  server.on('drop', () => report('fd-limit'));
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.syscall === 'accept') report(error.code ?? 'unknown');
    else log.warn({ event: 'listener-error', code: error.code ?? 'unknown' }, `The listener reported an error: ${error.message}`);
  });
  return cap;
}
