import type { EventName, EventOf } from './ipc/contract';
import { events } from './ipc/contract';
import type { Logger } from './log';

type Subscriber = (event: EventName, payload: unknown) => void;

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

  constructor(private readonly log: Logger) {}

  /**
   * Runs `announce` and sends each `conversation.changed` it emits once, after everything else
   * it emitted: a transaction that stored fifty messages of a conversation makes the UI read the
   * conversation list once, not fifty times.
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

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /**
   * Tells the UI that a conversation's row (name, members, last message, unread count, state)
   * changed: every `conversation.changed` the core sends goes through here ('*' for all of
   * them), so what the event carries is decided in one place.
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
    if (this.changed && event === 'conversation.changed') {
      // First-change order, last payload: a later summary is the newer one.
      const change = events['conversation.changed'].parse(checked.data);
      this.changed.set(change.id, change);
      return;
    }
    for (const subscriber of this.subscribers) subscriber(event, checked.data);
  }
}
