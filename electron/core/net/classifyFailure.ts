/**
 * What to do after something this device tried at the server failed: the one answer that
 * sending (session/outgoingMessages.ts), the resender and the outbox (services/resend.ts,
 * services/outbox.ts), the slow sync (services/resync.ts) and the receive path
 * (services/syncService.ts) all act on, so a failure means the same everywhere.
 *
 * - `retry`: the server was busy (5xx, 429, 408) or the group moved on (409
 *   `mls-stale-message`); the same request can work in a moment.
 * - `offline`: the server could not be reached; try again when the connection is back. A
 *   message waits as `pending`, as in Signal and Wire, instead of failing.
 * - `needs-user`: only the user can unblock it (accept the conversation's new devices, fix the
 *   server's pin); a message becomes "Not sent" with the reason and Retry, queued receipts wait.
 * - `give-up`: the server refused it for good (not a member, too large, …) or it can never work;
 *   a message becomes "Not sent" with the reason. `code` is stable, `message` a sentence for the
 *   user (the server's own for its refusals, protocol/errors.ts).
 */
import { CoreError } from '../ipc/errors';
import { ApiError } from './apiError';

export type Failure =
  | Readonly<{ kind: 'retry' }>
  | Readonly<{ kind: 'offline' }>
  | Readonly<{ kind: 'needs-user' | 'give-up'; code: string; message: string }>;

/** Codes only the user can do something about (see above). */
const NEEDS_USER: ReadonlySet<string> = new Set(['conversation-degraded', 'tls-pin-mismatch']);

export function classifyFailure(error: unknown): Failure {
  if (error instanceof ApiError) {
    if (error.status >= 500 || error.status === 429 || error.status === 408 || error.code === 'mls-stale-message') return { kind: 'retry' };
    return { kind: 'give-up', code: error.code, message: error.message };
  }
  if (error instanceof CoreError) {
    if (error.code === 'network-unreachable') return { kind: 'offline' };
    if (error.code === 'mls-stale-message') return { kind: 'retry' };
    return { kind: NEEDS_USER.has(error.code) ? 'needs-user' : 'give-up', code: error.code, message: error.message };
  }
  // A socket error (ECONNRESET, …) that never became a CoreError: the network. Anything else is
  // a fault in Cairn that a second attempt would meet again.
  if (isSystemError(error)) return { kind: 'offline' };
  const internal = new CoreError('internal');
  return { kind: 'give-up', code: internal.code, message: internal.message };
}

/** Whether trying the same thing again later can work without the user doing anything. */
export function isTransient(failure: Failure): boolean {
  return failure.kind === 'retry' || failure.kind === 'offline';
}

/** Node's errors from the OS carry a code such as `ECONNRESET` or `ETIMEDOUT`. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code);
}
