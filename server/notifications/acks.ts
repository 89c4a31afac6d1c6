import type { ClientRef } from '../store/records';
import type { NotificationRepository } from '../store/repositories';

/**
 * Acknowledgements are collected in memory and written in one transaction per interval.
 * Every device acknowledges every notification, so writing each one with its own fsync would
 * cost more than the messages themselves. Losing the last interval's acks in a crash is
 * harmless: an ack only decides whether expired notifications force a resync, and the device
 * re-acknowledges whatever it is sent again.
 */
export class AckBuffer {
  private pending = new Map<string, { client: ClientRef; upTo: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly repository: NotificationRepository,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.flush().catch(this.onError);
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Acknowledgements waiting for the next flush (metrics). */
  pendingCount(): number {
    return this.pending.size;
  }

  record(client: ClientRef, upTo: number): void {
    const key = `${client.userId}/${client.clientId}`;
    const current = this.pending.get(key);
    if (!current || current.upTo < upTo) this.pending.set(key, { client, upTo });
  }

  /** Writes everything recorded so far; called by the timer, before pruning, and on shutdown. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.repository.ack(batch);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
