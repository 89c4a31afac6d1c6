import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatDuration, historyPreview, historyText, shortDuration } from '../../../../electron/core/calls/callHistory';
import type { CallHistoryLine, EndReason } from '../../../../electron/core/calls/callTypes';

const line = (direction: 'outgoing' | 'incoming', reason: EndReason): CallHistoryLine => ({
  callId: randomUUID(),
  conversationId: randomUUID(),
  peer: { id: randomUUID(), domain: 'cairn.test' },
  direction,
  media: 'audio',
  reason,
  at: 0,
});

describe('call history lines', () => {
  it.each([
    ['outgoing', { kind: 'declined' }, 'Bob declined the call.'],
    ['incoming', { kind: 'declined' }, 'You declined a call from Bob.'],
    ['outgoing', { kind: 'cancelled' }, 'You cancelled the call to Bob.'],
    ['incoming', { kind: 'cancelled' }, 'Missed call from Bob.'],
    ['outgoing', { kind: 'busy' }, 'Bob was busy in another call.'],
    ['incoming', { kind: 'busy' }, 'Missed call from Bob while you were in another call.'],
    ['outgoing', { kind: 'no-answer' }, 'Bob did not answer.'],
    ['incoming', { kind: 'no-answer' }, 'Missed call from Bob.'],
    ['outgoing', { kind: 'answered-elsewhere' }, 'Call with Bob answered on your other device.'],
    ['incoming', { kind: 'answered-elsewhere' }, 'Call from Bob answered on another device.'],
    ['incoming', { kind: 'failed', code: 'ice-failed' }, 'The call with Bob could not be connected.'],
    ['outgoing', { kind: 'failed', code: 'timeout' }, 'The call with Bob could not be connected.'],
    ['outgoing', { kind: 'failed', code: 'fingerprint-mismatch' }, 'The call with Bob was refused because its encryption could not be verified.'],
    ['incoming', { kind: 'completed', durationMs: 754_000 }, 'Call with Bob, 12:34.'],
    ['outgoing', { kind: 'completed', durationMs: null }, 'Call with Bob ended.'],
  ] as const)('%s, %j: "%s"', (direction, reason, text) => {
    expect(historyText(line(direction, reason), 'Bob')).toBe(text);
  });

  it('writes durations as m:ss, and h:mm:ss past an hour', () => {
    expect([0, 999, 42_000, 60_000, 3_599_000, 3_723_000].map(formatDuration)).toEqual(['0:00', '0:01', '0:42', '1:00', '59:59', '1:02:03']);
  });

  it.each([
    ['incoming', { kind: 'cancelled' }, 'Missed call'],
    ['incoming', { kind: 'no-answer' }, 'Missed call'],
    ['incoming', { kind: 'busy' }, 'Missed call'],
    ['outgoing', { kind: 'no-answer' }, 'No answer'],
    ['outgoing', { kind: 'declined' }, 'Call declined'],
    ['incoming', { kind: 'completed', durationMs: 182_000 }, 'Call, 3 min'],
    ['outgoing', { kind: 'completed', durationMs: 42_000 }, 'Call, 42 s'],
    ['outgoing', { kind: 'failed', code: 'dtls-failed' }, 'Call failed'],
  ] as const)('the conversation list shows %s, %j as "%s"', (direction, reason, text) => {
    expect(historyPreview(line(direction, reason))).toBe(text);
  });

  it('shortens durations for the list: seconds under a minute, then minutes, then hours and minutes', () => {
    expect([0, 42_000, 60_000, 182_000, 3_600_000, 3_900_000].map(shortDuration)).toEqual(['0 s', '42 s', '1 min', '3 min', '1 h', '1 h 5 min']);
  });
});
