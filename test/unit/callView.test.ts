import { describe, expect, it } from 'vitest';
import { CallViewSchema } from '../../electron/core/ipc/callSchemas';
import { endedLine, formatDuration } from '../../renderer/lib/callView';

const base = {
  callId: '6f1c2a3e-8b7d-4c1e-9a2b-3c4d5e6f7a8b',
  conversationId: 'c1',
  peer: { id: 'u1', domain: 'example.test' },
  direction: 'outgoing',
  media: 'audio',
  cbr: false,
  phase: 'active',
  since: 1,
} as const;

describe('the renderer call view', () => {
  it('takes the core’s CallView and ignores what is not one (today’s { active } call.state)', () => {
    expect(CallViewSchema.safeParse(base).success).toBe(true);
    expect(CallViewSchema.safeParse({ ...base, phase: 'ended', reason: { kind: 'failed', code: 'timeout' } }).success).toBe(true);
    expect(CallViewSchema.safeParse({ active: true }).success).toBe(false);
    expect(CallViewSchema.safeParse({ ...base, reason: { kind: 'failed', code: 'made-up' } }).success).toBe(false);
  });

  it('formats elapsed time as minutes and seconds, with hours only past one hour', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65_400)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });

  it('words each end from the side of the person reading it: the callee’s cancelled, busy and no answer are a missed call', () => {
    expect(endedLine({ kind: 'declined' }, 'outgoing', 'Bob')).toBe('Bob declined the call.');
    expect(endedLine({ kind: 'declined' }, 'incoming', 'Bob')).toBe('You declined the call.');
    expect(endedLine({ kind: 'cancelled' }, 'outgoing', 'Bob')).toBe('Call cancelled.');
    for (const kind of ['cancelled', 'no-answer'] as const) expect(endedLine({ kind }, 'incoming', 'Bob')).toBe('Missed call from Bob.');
    expect(endedLine({ kind: 'busy' }, 'incoming', 'Bob')).toBe('Missed call from Bob while you were in another call.');
    expect(endedLine({ kind: 'busy' }, 'outgoing', 'Bob')).toBe('Bob is in another call. Try again later.');
    expect(endedLine({ kind: 'no-answer' }, 'outgoing', 'Bob')).toBe('Bob did not answer.');
    expect(endedLine({ kind: 'answered-elsewhere' }, 'incoming', 'Bob')).toBe('Answered on another device.');
    expect(endedLine({ kind: 'failed', code: 'timeout' }, 'outgoing', 'Bob')).toBe('The call could not connect: no audio or video arrived in time.');
    expect(endedLine({ kind: 'completed', durationMs: 125_000 }, 'incoming', 'Bob')).toBe('Call ended after 2:05.');
    expect(endedLine({ kind: 'completed', durationMs: null }, 'incoming', 'Bob')).toBe('Call ended.');
  });
});
