/**
 * The one answer to "what now?" after a failure at the server (net/classifyFailure.ts), which
 * sending, the resender, the outbox, resync and sync act on.
 */
import { describe, expect, it } from 'vitest';
import { CoreError, IPC_ERRORS } from '../../../electron/core/ipc/errors';
import { ApiError } from '../../../electron/core/net/apiError';
import { classifyFailure, isTransient } from '../../../electron/core/net/classifyFailure';

/** A Node socket error as `net` raises it. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code });
}

describe('classifyFailure', () => {
  it('waits for the connection when the server cannot be reached', () => {
    expect(classifyFailure(new CoreError('network-unreachable'))).toEqual({ kind: 'offline' });
    expect(classifyFailure(socketError('ECONNRESET'))).toEqual({ kind: 'offline' });
    expect(classifyFailure(socketError('ETIMEDOUT'))).toEqual({ kind: 'offline' });
  });

  it.each([500, 502, 503, 429, 408])('tries again soon after a busy server (%i)', (status) => {
    expect(classifyFailure(new ApiError('server-busy', 'Busy.', status))).toEqual({ kind: 'retry' });
  });

  it('tries again when the group moved on, from the server or from a catch-up that ran out', () => {
    expect(classifyFailure(new ApiError('mls-stale-message', 'Stale.', 409, 7))).toEqual({ kind: 'retry' });
    expect(classifyFailure(new CoreError('mls-stale-message'))).toEqual({ kind: 'retry' });
  });

  it("gives up on the server's refusals for good with its code and sentence", () => {
    expect(classifyFailure(new ApiError('not-member', 'You are not a member of this group.', 403))).toEqual({
      kind: 'give-up',
      code: 'not-member',
      message: 'You are not a member of this group.',
    });
    expect(classifyFailure(new ApiError('payload-too-large', 'The message is too large.', 413))).toMatchObject({ kind: 'give-up', code: 'payload-too-large' });
    expect(classifyFailure(new ApiError('unauthorized', 'Sign in again.', 401))).toMatchObject({ kind: 'give-up', code: 'unauthorized' });
  });

  it('waits for the user when only the user can unblock it', () => {
    expect(classifyFailure(new CoreError('conversation-degraded'))).toEqual({
      kind: 'needs-user',
      code: 'conversation-degraded',
      message: IPC_ERRORS['conversation-degraded'],
    });
    expect(classifyFailure(new CoreError('tls-pin-mismatch'))).toMatchObject({ kind: 'needs-user', code: 'tls-pin-mismatch' });
  });

  it("gives up on the core's own refusals and on faults, with a stable code and a sentence", () => {
    expect(classifyFailure(new CoreError('conversation-not-joined'))).toEqual({
      kind: 'give-up',
      code: 'conversation-not-joined',
      message: IPC_ERRORS['conversation-not-joined'],
    });
    expect(classifyFailure(new TypeError('x is undefined'))).toEqual({ kind: 'give-up', code: 'internal', message: IPC_ERRORS.internal });
    expect(classifyFailure('a string thrown')).toEqual({ kind: 'give-up', code: 'internal', message: IPC_ERRORS.internal });
    // A code that only looks like a system error's is no network trouble.
    expect(classifyFailure(Object.assign(new Error('odd'), { code: 'not-a-socket-code' }))).toMatchObject({ kind: 'give-up', code: 'internal' });
  });

  it('calls retry and offline transient, the rest not', () => {
    expect(isTransient({ kind: 'retry' })).toBe(true);
    expect(isTransient({ kind: 'offline' })).toBe(true);
    expect(isTransient({ kind: 'needs-user', code: 'conversation-degraded', message: 'm' })).toBe(false);
    expect(isTransient({ kind: 'give-up', code: 'not-member', message: 'm' })).toBe(false);
  });
});
