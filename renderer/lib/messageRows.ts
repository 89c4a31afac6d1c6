/**
 * Turns a conversation's messages into the rows the message list shows: a day separator before
 * the first message of each calendar day, and for each message whether it starts a run of
 * messages by the same sender (only the first of a run shows the name and avatar, as in Signal).
 */
import type { StoredMessage } from '../../electron/core/ipc/contract';

/** Messages from one sender closer together than this read as one run. */
const RUN_GAP_MS = 5 * 60_000;

export type MessageRow =
  | { readonly type: 'start'; readonly key: string }
  | { readonly type: 'day'; readonly key: string; readonly day: number }
  | { readonly type: 'message'; readonly key: string; readonly message: StoredMessage; readonly firstOfRun: boolean };

/** Local midnight of the day `ms` falls on. */
export function startOfDay(ms: number): number {
  const date = new Date(ms);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

export function messageRows(messages: readonly StoredMessage[], hasOlder: boolean): MessageRow[] {
  const rows: MessageRow[] = [];
  // The conversation's beginning is only shown once nothing older is left to load.
  if (!hasOlder) rows.push({ type: 'start', key: 'start' });
  let day: number | undefined;
  let previous: StoredMessage | undefined;
  for (const message of messages) {
    const messageDay = startOfDay(message.sentAt);
    const newDay = messageDay !== day;
    if (newDay) {
      day = messageDay;
      rows.push({ type: 'day', key: `day-${messageDay}`, day: messageDay });
    }
    const firstOfRun =
      newDay ||
      previous === undefined ||
      previous.sender !== message.sender ||
      previous.kind === 'system' ||
      message.kind === 'system' ||
      message.sentAt - previous.sentAt > RUN_GAP_MS;
    rows.push({ type: 'message', key: message.id, message, firstOfRun });
    previous = message;
  }
  return rows;
}

/** "Today", "Yesterday", the weekday within the last week, else the date. */
export function dayLabel(day: number, now: number, labels: { today: string; yesterday: string }): string {
  const today = startOfDay(now);
  const daysAgo = Math.round((today - day) / 86_400_000);
  if (daysAgo === 0) return labels.today;
  if (daysAgo === 1) return labels.yesterday;
  if (daysAgo > 1 && daysAgo < 7) return new Date(day).toLocaleDateString(undefined, { weekday: 'long' });
  const sameYear = new Date(day).getFullYear() === new Date(now).getFullYear();
  return new Date(day).toLocaleDateString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}
