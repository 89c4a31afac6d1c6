/**
 * Desktop notifications for new messages, at most one per conversation at a time. The first
 * message of a conversation shows at once; more within `quietMs` are counted and shown together
 * when that time is up ("3 new messages"), replacing the conversation's earlier notification.
 * A catch-up of 2 000 messages after a night offline thus shows a handful of notifications,
 * not 2 000. Pure: the shell passes in how to show one and its timers.
 *
 * While the app is locked it shows nothing: locking closes what is on screen and drops what
 * waited for its quiet time (a batched "3 new messages" must not appear over the lock screen,
 * security review item 8), and notices offered while locked are dropped, not kept for later.
 */

export interface MessageNotice {
  readonly conversationId: string;
  readonly title: string;
  readonly body: string;
}

export interface Shown {
  close(): void;
}

export interface NotifierEffects {
  /** Shows one notification; `count` > 1 when it stands for several messages. */
  show(notice: MessageNotice, count: number): Shown;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

interface ConversationNotices {
  shown: Shown | undefined;
  /** Messages that arrived while the window was open, with the latest of them. */
  pending: { notice: MessageNotice; count: number } | undefined;
  timer: unknown;
}

export class NotificationBatcher {
  private readonly conversations = new Map<string, ConversationNotices>();
  private locked = false;

  constructor(
    private readonly effects: NotifierEffects,
    private readonly quietMs = 2000,
  ) {}

  offer(notice: MessageNotice): void {
    if (this.locked) return;
    const known = this.conversations.get(notice.conversationId);
    if (known?.timer !== undefined) {
      // Inside the window: remember it, show it (and the others) when the window closes.
      known.pending = { notice, count: (known.pending?.count ?? 0) + 1 };
      return;
    }
    const state: ConversationNotices = known ?? { shown: undefined, pending: undefined, timer: undefined };
    this.conversations.set(notice.conversationId, state);
    this.present(notice.conversationId, state, notice, 1);
  }

  /** The app lock engaged (everything shown or waiting goes) or was lifted. */
  setLocked(locked: boolean): void {
    this.locked = locked;
    if (locked) this.clear();
  }

  /** Forgets every notification (the app locked or signed out): closes what is on screen. */
  clear(): void {
    for (const state of this.conversations.values()) {
      if (state.timer !== undefined) this.effects.clearTimer(state.timer);
      state.shown?.close();
    }
    this.conversations.clear();
  }

  private present(conversationId: string, state: ConversationNotices, notice: MessageNotice, count: number): void {
    state.shown?.close();
    state.shown = this.effects.show(notice, count);
    state.pending = undefined;
    state.timer = this.effects.setTimer(() => {
      state.timer = undefined;
      const pending = state.pending;
      if (pending) this.present(conversationId, state, pending.notice, pending.count);
    }, this.quietMs);
  }
}

/** The text of a notification that stands for `count` messages. */
export function noticeBody(notice: MessageNotice, count: number): string {
  return count > 1 ? `${count} new messages` : notice.body;
}
