import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageNotice } from '../../../electron/main/notificationBatcher';
import { NotificationBatcher, noticeBody } from '../../../electron/main/notificationBatcher';

let log: string[];
let batcher: NotificationBatcher;

beforeEach(() => {
  vi.useFakeTimers();
  log = [];
  batcher = new NotificationBatcher(
    {
      show: (notice, count) => {
        log.push(`show ${notice.conversationId}: ${notice.title} / ${noticeBody(notice, count)}`);
        return { close: () => log.push(`close ${notice.conversationId}: ${noticeBody(notice, count)}`) };
      },
      setTimer: (run, ms) => setTimeout(run, ms),
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    },
    2000,
  );
});
afterEach(() => vi.useRealTimers());

const notice = (conversationId: string, body: string): MessageNotice => ({ conversationId, title: `Alice in ${conversationId}`, body });

describe('desktop notifications for a burst of messages', () => {
  it('shows the first message at once and the rest of a burst as one, replacing the first', () => {
    batcher.offer(notice('ridge', 'one'));
    for (const body of ['two', 'three', 'four']) batcher.offer(notice('ridge', body));
    expect(log).toEqual(['show ridge: Alice in ridge / one']);
    vi.advanceTimersByTime(2000);
    expect(log).toEqual(['show ridge: Alice in ridge / one', 'close ridge: one', 'show ridge: Alice in ridge / 3 new messages']);
    // Quiet since: nothing more, and the next message shows at once again.
    vi.advanceTimersByTime(5000);
    batcher.offer(notice('ridge', 'five'));
    expect(log.at(-1)).toBe('show ridge: Alice in ridge / five');
    expect(log.at(-2)).toBe('close ridge: 3 new messages');
  });

  it('keeps conversations apart, and a single late message shows its own text', () => {
    batcher.offer(notice('ridge', 'one'));
    batcher.offer(notice('cove', 'hello'));
    batcher.offer(notice('ridge', 'two'));
    vi.advanceTimersByTime(2000);
    expect(log).toEqual(['show ridge: Alice in ridge / one', 'show cove: Alice in cove / hello', 'close ridge: one', 'show ridge: Alice in ridge / two']);
  });

  it('a catch-up of 2 000 messages shows a handful, not 2 000', () => {
    for (let i = 0; i < 2000; i++) {
      batcher.offer(notice('ridge', `m${i}`));
      vi.advanceTimersByTime(5);
    }
    vi.advanceTimersByTime(10_000);
    expect(log.filter((line) => line.startsWith('show')).length).toBeLessThanOrEqual(7);
    expect(log.at(-1)).toMatch(/new messages$/);
  });

  it('closes everything and forgets pending messages when cleared (lock, sign-out)', () => {
    batcher.offer(notice('ridge', 'one'));
    batcher.offer(notice('ridge', 'two'));
    batcher.clear();
    vi.advanceTimersByTime(5000);
    expect(log).toEqual(['show ridge: Alice in ridge / one', 'close ridge: one']);
  });

  it('closes shown notifications and drops a batched one when the app locks, and shows none while locked', () => {
    batcher.offer(notice('ridge', 'one'));
    batcher.offer(notice('ridge', 'two'));
    batcher.offer(notice('ridge', 'three'));
    batcher.setLocked(true);
    // The batch's quiet time ends after locking: the "2 new messages" must not appear.
    vi.advanceTimersByTime(5000);
    batcher.offer(notice('cove', 'while locked'));
    vi.advanceTimersByTime(5000);
    expect(log).toEqual(['show ridge: Alice in ridge / one', 'close ridge: one']);
    // Unlocked: new messages notify again, and what came while locked is not replayed.
    batcher.setLocked(false);
    batcher.offer(notice('cove', 'after'));
    expect(log.slice(2)).toEqual(['show cove: Alice in cove / after']);
  });
});
