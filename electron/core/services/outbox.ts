/**
 * Small messages this device owes the server, kept in the encrypted store until they are sent
 * (table `outbox`, migration 0010), so closing the app, a crash or a lost connection cannot
 * drop them:
 *
 * - delivery receipts: noted in the transaction that stores a message from someone else, sent
 *   once messages stop arriving for 250 ms (at the latest 2 s after the first), one receipt per
 *   conversation for everything noted meanwhile — a catch-up of a thousand messages sends a few
 *   receipts, not a thousand. Sent whatever the read-receipt preference says (as in Signal).
 *   Nothing goes into a degraded conversation (seed 002): receipts noted for one are dropped.
 * - "delete for me": noted in the transaction that hides the message, sent at once to the
 *   user's other devices through the self-conversation. Receiving it twice is harmless.
 *
 * A row is removed only after the server accepted what carries it. What could not be sent is
 * tried again when the connection comes back (the notification stream reports `online`, also
 * right after the app started), and meanwhile after a growing pause while the app runs.
 */
import { missingCase } from '../../../protocol/result';
import type { EventHub } from '../events';
import type { Logger } from '../log';
import type { Membership } from '../session/membership';
import type { OutgoingMessages } from '../session/outgoingMessages';
import { classifyFailure } from '../net/classifyFailure';
import type { ReadableDB, WritableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';
import { isOwed, noteOwed, owedHides, owedReceipts, removeOwed } from '../store/outbox';
import { verificationOf } from '../store/conversations';

/** Receipts wait for messages to stop arriving this long… */
export const RECEIPT_QUIET_MS = 250;
/** …but no longer than this after the first one waiting. */
export const RECEIPT_MAX_WAIT_MS = 2000;
/** Message ids per receipt: a long catch-up sends a few receipts, each of bounded size. */
const RECEIPT_IDS_PER_MESSAGE = 500;
/** Pauses between retries after a failure while the connection seems up: 2 s, 4 s … 5 min. */
const RETRY_BASE_MS = 2000;
const RETRY_CAP_MS = 5 * 60_000;

export interface OutboxDeps {
  readonly db: ReadableDB;
  readonly events: EventHub;
  readonly log: Logger;
  /** Encrypts content and posts it in the conversation; throws if the server did not accept it. */
  readonly outgoing: Pick<OutgoingMessages, 'sendContent'>;
  /** The user's self-conversation, made on first need (needs the server then). */
  readonly membership: Pick<Membership, 'selfConversation'>;
}

/** What to do with a row after a failed send. */
type Failure = 'retry' | 'keep' | 'drop';

/**
 * A failed send, classified as everywhere (net/classifyFailure.ts): the server unreachable or
 * busy is worth trying again; what waits for the user (to accept the new devices, or to fix
 * the server's pin) is kept and tried again when the connection is (back) online or something
 * new is queued; what the server refuses for good would fail the same way next time.
 */
function classify(error: unknown): Failure {
  const failure = classifyFailure(error);
  switch (failure.kind) {
    case 'retry':
    case 'offline':
      return 'retry';
    case 'needs-user':
      return 'keep';
    case 'give-up':
      return 'drop';
    default:
      return missingCase(failure);
  }
}

export class Outbox {
  private closed = false;
  private receiptTimer: ReturnType<typeof setTimeout> | undefined;
  private receiptDue = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private readonly running = new Map<'delivered' | 'hide', Promise<void>>();
  private readonly again = new Set<'delivered' | 'hide'>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: OutboxDeps) {
    // Connected and caught up (after a start or an outage): send what is still owed.
    this.unsubscribe = deps.events.subscribe((event, payload) => {
      if (event === 'connection.state' && typeof payload === 'object' && payload !== null && 'state' in payload && payload.state === 'online') {
        this.failures = 0;
        this.flushAll();
      }
    });
  }

  /** Notes a delivery receipt owed for a message just stored; call in the transaction that stored it. */
  noteDelivered(tx: WritableDB, conversationId: string, messageId: string, at: number): void {
    noteOwed(tx, 'delivered', conversationId, messageId, at);
  }

  /** Notes a "delete for me" to tell the other devices about; call in the transaction that hid the message. */
  noteHidden(tx: WritableDB, conversationId: string, messageId: string, at: number): void {
    noteOwed(tx, 'hide', conversationId, messageId, at);
  }

  /**
   * Starts (or pushes back) the wait before the noted receipts go out: call after a transaction
   * that noted some committed.
   */
  receiptsNoted(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.receiptTimer === undefined) this.receiptDue = now + RECEIPT_MAX_WAIT_MS;
    clearTimeout(this.receiptTimer);
    this.receiptTimer = setTimeout(
      () => {
        this.receiptTimer = undefined;
        void this.flush('delivered');
      },
      Math.max(0, Math.min(RECEIPT_QUIET_MS, this.receiptDue - now)),
    );
    this.receiptTimer.unref?.();
  }

  /**
   * Sends the noted hides now and says whether this one went out (false: it stays queued and
   * is sent when the connection is back).
   */
  async sendHidden(conversationId: string, messageId: string): Promise<boolean> {
    await this.flush('hide');
    return !this.queued('hide', conversationId, messageId);
  }

  /** Whether something is still waiting to be sent. */
  queued(kind: 'delivered' | 'hide', conversationId: string, messageId: string): boolean {
    if (this.closed) return true;
    return isOwed(this.deps.db, kind, conversationId, messageId);
  }

  /** Stops the timers; what is still queued stays in the store for the next start. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.receiptTimer);
    clearTimeout(this.retryTimer);
    this.receiptTimer = undefined;
    this.retryTimer = undefined;
  }

  private flushAll(): void {
    void this.flush('hide');
    void this.flush('delivered');
  }

  /**
   * Sends everything of one kind that is queued. One pass at a time per kind; a call during a
   * pass makes one more pass after it, so rows noted meanwhile are not left behind.
   */
  private flush(kind: 'delivered' | 'hide'): Promise<void> {
    const current = this.running.get(kind);
    if (current) {
      this.again.add(kind);
      return current;
    }
    const pass = (async () => {
      try {
        do {
          this.again.delete(kind);
          if (this.closed) return;
          const outcome = kind === 'delivered' ? await this.sendReceipts() : await this.sendHides();
          if (outcome === 'retry') this.retryLater();
          else if (outcome === 'sent') this.failures = 0;
        } while (this.again.has(kind));
      } catch (error) {
        this.deps.log.warn('sending queued messages failed', { kind, error });
      } finally {
        this.running.delete(kind);
      }
    })();
    this.running.set(kind, pass);
    return pass;
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.failures += 1;
    const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flushAll();
    }, delay);
    this.retryTimer.unref?.();
  }

  /** Removes sent (or dropped) rows, unless the store closed meanwhile: then they are sent again after the next start. */
  private remove(kind: 'delivered' | 'hide', conversationId: string, messageIds: readonly string[]): void {
    if (this.closed) return;
    writeTransaction(this.deps.db, (tx) => removeOwed(tx, kind, conversationId, messageIds));
  }

  private async sendReceipts(): Promise<'sent' | 'retry' | 'idle'> {
    const { db, log } = this.deps;
    const rows = owedReceipts(db);
    if (rows.length === 0) return 'idle';
    const byConversation = new Map<string, string[]>();
    for (const row of rows) {
      const ids = byConversation.get(row.conversationId) ?? [];
      ids.push(row.messageId);
      byConversation.set(row.conversationId, ids);
    }
    let retry = false;
    for (const [conversationId, ids] of byConversation) {
      if (this.closed) return 'idle';
      // Like read receipts, nothing goes to devices the user has not accepted (seed 002: degraded).
      if (verificationOf(db, conversationId) === 'degraded') {
        this.remove('delivered', conversationId, ids);
        continue;
      }
      for (let start = 0; start < ids.length; start += RECEIPT_IDS_PER_MESSAGE) {
        const messageIds = ids.slice(start, start + RECEIPT_IDS_PER_MESSAGE);
        try {
          await this.deps.outgoing.sendContent(conversationId, { type: 'receipt', kind: 'delivered', messageIds });
          this.remove('delivered', conversationId, messageIds);
        } catch (error) {
          const failure = classify(error);
          log.warn('sending a delivery receipt failed', { conversationId, failure, error });
          // A degraded conversation gets no receipts (see above); others wait for the connection.
          if (failure === 'retry') retry = true;
          else this.remove('delivered', conversationId, ids.slice(start));
          break;
        }
      }
    }
    return retry ? 'retry' : 'sent';
  }

  private async sendHides(): Promise<'sent' | 'retry' | 'idle'> {
    const { db, log } = this.deps;
    const rows = owedHides(db);
    if (rows.length === 0) return 'idle';
    for (const { conversationId, messageId } of rows) {
      if (this.closed) return 'idle';
      try {
        const self = await this.deps.membership.selfConversation();
        await this.deps.outgoing.sendContent(self, { type: 'hide', conversationId, messageId });
        this.remove('hide', conversationId, [messageId]);
      } catch (error) {
        const failure = classify(error);
        log.warn('telling the other devices about a hidden message failed', { failure, error });
        if (failure === 'drop') {
          this.remove('hide', conversationId, [messageId]);
          continue;
        }
        // The rest would meet the same connection (or the same unverified devices).
        return failure === 'retry' ? 'retry' : 'idle';
      }
    }
    return 'sent';
  }
}
