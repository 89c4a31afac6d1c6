import type { ConversationSummary, EventName, EventOf } from './ipc/contract';
import { events } from './ipc/contract';
import type { Logger } from './log';

type Subscriber = (event: EventName, payload: unknown) => void;

/**
 * A conversation's list row as it is stored now, or undefined when the list does not show it
 * (the self-conversation, one that no longer exists): then the UI reads the list again.
 */
export type SummaryReader = (id: string) => ConversationSummary | undefined;

/**
 * Fans core events out to every attached port. Payloads are checked against the contract
 * before they leave, so a bug in a service cannot push malformed data to the UI.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  /**
   * Conversations changed while `coalescingChanges` runs, announced once each when it ends, with
   * the last payload emitted for each (its summary is the newest).
   */
  private changed: Map<string, EventOf<'conversation.changed'>> | undefined;
  /** Set by the signed-in session (it owns the store); none while signed out or locked. */
  private summaries: SummaryReader | undefined;

  constructor(private readonly log: Logger) {}

  /**
   * Runs `announce` and sends each `conversation.changed` it emits once, after everything else
   * it emitted: a transaction that stored fifty messages of a conversation makes the UI patch its
   * row once, not fifty times. The row is read at this flush, after the transaction committed.
   */
  coalescingChanges(announce: () => void): void {
    if (this.changed) {
      announce();
      return;
    }
    const changed = new Map<string, EventOf<'conversation.changed'>>();
    this.changed = changed;
    try {
      announce();
    } finally {
      this.changed = undefined;
      for (const payload of changed.values()) this.emit('conversation.changed', payload);
    }
  }

  /**
   * While signed in, `conversation.changed` carries the conversation's row read with `reader`,
   * so the UI patches that row instead of reading every conversation again (issue 12). Returns
   * the detach for sign-out and lock; a reader that was replaced since is left alone.
   */
  readSummariesWith(reader: SummaryReader): () => void {
    this.summaries = reader;
    return () => {
      if (this.summaries === reader) this.summaries = undefined;
    };
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /**
   * Tells the UI that a conversation's row (name, members, last message, unread count, state)
   * changed: every `conversation.changed` the core sends goes through here ('*' for all of
   * them). The row itself is read when the event leaves (`emit`; at the end of a coalesced run),
   * never earlier: callers announce after their transaction committed.
   */
  conversationChanged(id: string): void {
    this.emit('conversation.changed', { id });
  }

  emit<E extends EventName>(event: E, payload: EventOf<E>): void {
    const checked = events[event].safeParse(payload);
    if (!checked.success) {
      this.log.error('event payload failed its schema; not sent', { event });
      return;
    }
    if (event === 'conversation.changed') {
      const change = events['conversation.changed'].parse(checked.data);
      if (this.changed) {
        // First-change order, last payload: a later summary is the newer one, and one without a
        // summary is read at the flush, newer still.
        this.changed.set(change.id, change);
        return;
      }
      this.send(event, this.withSummary(change));
      return;
    }
    this.send(event, checked.data);
  }

  private send(event: EventName, payload: unknown): void {
    for (const subscriber of this.subscribers) subscriber(event, payload);
  }

  /**
   * The change with the conversation's row as stored now, when it carries none yet. Without one
   * (no reader, '*', a conversation the list does not show, a failed read) the UI reads the list
   * again, which is always right, only slower.
   */
  private withSummary(change: EventOf<'conversation.changed'>): EventOf<'conversation.changed'> {
    const reader = this.summaries;
    if (change.summary !== undefined || change.id === '*' || reader === undefined) return change;
    try {
      const summary = reader(change.id);
      return summary === undefined ? change : { id: change.id, summary };
    } catch (error) {
      this.log.warn('reading a conversation summary failed; the UI reads the list instead', { error });
      return change;
    }
  }
}
