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

  constructor(private readonly log: Logger) {}

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  emit<E extends EventName>(event: E, payload: EventOf<E>): void {
    const checked = events[event].safeParse(payload);
    if (!checked.success) {
      this.log.error('event payload failed its schema; not sent', { event });
      return;
    }
    for (const subscriber of this.subscribers) subscriber(event, checked.data);
  }
}
