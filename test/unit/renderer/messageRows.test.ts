import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import { dayLabel, messageRows, startOfDay } from '../../../renderer/lib/messageRows';

function message(id: string, sender: string, sentAt: number, kind: StoredMessage['kind'] = 'text'): StoredMessage {
  return {
    id,
    conversationId: 'c',
    sender,
    senderName: null,
    senderClient: 'd',
    kind,
    text: id,
    sentAt,
    status: 'received',
    editedAt: null,
    deleted: false,
    reactions: [],
    readBy: [],
    deliveredTo: [],
    quote: null,
    mentions: [],
    mentionsMe: false,
    timerMs: null,
    expiresAt: null,
    asset: null,
    failure: null,
  };
}

const day1 = new Date(2026, 10, 20, 9, 0).getTime();
const day2 = new Date(2026, 10, 21, 9, 0).getTime();

describe('message rows', () => {
  it('puts a day separator before the first message of each day, and the start only when nothing older is left', () => {
    const messages = [message('a', 'alice', day1), message('b', 'bob', day1 + 60_000), message('c', 'bob', day2)];
    expect(messageRows(messages, false).map((r) => r.key)).toEqual([
      'start',
      `day-${startOfDay(day1)}`,
      'a',
      'b',
      `day-${startOfDay(day2)}`,
      'c',
    ]);
    expect(messageRows(messages, true)[0]?.type).toBe('day');
  });

  it('starts a new run on another sender, a new day, a five-minute pause or a system message', () => {
    const messages = [
      message('a1', 'alice', day1),
      message('a2', 'alice', day1 + 60_000),
      message('b1', 'bob', day1 + 120_000),
      message('b2', 'bob', day1 + 120_000 + 6 * 60_000),
      message('s', 'bob', day1 + 120_000 + 7 * 60_000, 'system'),
      message('b3', 'bob', day1 + 120_000 + 8 * 60_000),
      message('b4', 'bob', day2),
    ];
    const runs = messageRows(messages, true).flatMap((r) => (r.type === 'message' ? [[r.key, r.firstOfRun]] : []));
    expect(runs).toEqual([
      ['a1', true],
      ['a2', false],
      ['b1', true],
      ['b2', true],
      ['s', true],
      ['b3', true],
      ['b4', true],
    ]);
  });

  it('names today, yesterday and the last week by word, older days by date', () => {
    const now = new Date(2026, 10, 23, 15, 0).getTime();
    const labels = { today: 'Today', yesterday: 'Yesterday' };
    expect(dayLabel(startOfDay(now), now, labels)).toBe('Today');
    expect(dayLabel(startOfDay(now - 86_400_000), now, labels)).toBe('Yesterday');
    expect(dayLabel(startOfDay(now - 3 * 86_400_000), now, labels)).toBe(
      new Date(now - 3 * 86_400_000).toLocaleDateString(undefined, { weekday: 'long' }),
    );
    expect(dayLabel(startOfDay(new Date(2025, 0, 2).getTime()), now, labels)).toContain('2025');
  });
});
