import type { Server } from 'node:net';

/** The part of the server's logger this needs. */
export type WarnLog = Readonly<{ warn(fields: Record<string, unknown>, message: string): void }>;

/** At most this many refused connections are logged one by one per second; the rest are summed up. */
const LOGGED_PER_SECOND = 20;

/**
 * Logs and counts the connections the listener could not accept. When the process reaches its
 * open-file limit, `accept` fails with EMFILE; libuv then accepts and closes the waiting
 * connection at once (its "EMFILE trick", so the client is refused rather than left hanging) and
 * Node emits the error on the server — where, without this, nobody listened for it and the
 * server refused connections with nothing in the log (measured, issue 18). Each refusal is logged
 * with the code and the limit, bounded per second so a flood cannot fill the disk with log lines.
 */
export function watchAcceptErrors(server: Server, log: WarnLog, counted: (code: string) => void, fdLimit: string, now: () => number = Date.now): void {
  let second = 0;
  let loggedThisSecond = 0;
  let unlogged = 0;
  server.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? 'unknown';
    if (error.syscall !== 'accept') {
      log.warn({ event: 'listener-error', code }, `the listener reported an error: ${error.message}`);
      return;
    }
    counted(code);
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
    const hint = code === 'EMFILE' || code === 'ENFILE' ? ' The open-file limit is reached: raise it (LimitNOFILE= in the systemd unit, or ulimit -n before start).' : '';
    log.warn(
      { event: 'connection-refused', code, fdLimit, notLoggedBefore: unlogged },
      `A connection was refused: ${code}.${hint}`,
    );
    unlogged = 0;
  });
}
