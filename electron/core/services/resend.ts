/**
 * Sending a message of this user again, under the same message id (as Signal and Wire do):
 *
 * - `retry`: the user asks to send a `failed` message again (the "Retry" next to "Not sent").
 * - `resendOrphans`: every message of this device still `pending` that nothing in this process
 *   is sending — it waited for the connection (session/outgoingMessages.ts leaves a message
 *   `pending` while the server cannot be reached), or the app was killed or crashed between
 *   storing it and the server's answer — is sent again, oldest first: when the device is online
 *   (after a start, after an outage) and, while messages wait, after a growing pause (2 s … 5 min)
 *   or as soon as another message went out. A message the server refuses for good becomes
 *   `failed` with the reason, so the user sees "Not sent" with "Retry".
 *
 * Both re-encrypt the content message stored with the row (the `content` column holds the CBOR
 * the first attempt encrypted, with its id and sending time) in the group's current epoch.
 * Receivers store messages by id, once (store/messages.ts `insertMessage`, ON CONFLICT DO
 * NOTHING), so a message that did reach the server before a crash and is sent again shows once.
 *
 * A file message row is stored only after its upload finished (session/fileSending.ts),
 * so sending one again needs no upload: the asset is at the server and its key in `assets`. An
 * upload that never finished left no message to retry; the upload card says so and the file is
 * sent again from the composer.
 */
import { z } from 'zod';
import { missingCase } from '../../../protocol/result';
import type { Mention } from '../../../protocol/content/schema';
import type { EventHub } from '../events';
import type { StoredMessage } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import type { Delivery, OutgoingMessages } from '../session/outgoingMessages';
import type { ReadableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';
import type { ResendRow } from '../store/messages';
import { claimFailed, pendingOfDevice, resendRow } from '../store/messages';
import { verificationOf } from '../store/conversations';
import { getMessage } from '../toContract';

export interface ResendDeps {
  readonly db: ReadableDB;
  readonly events: EventHub;
  readonly log: Logger;
  /** This user, `id@domain`. */
  readonly selfId: string;
  readonly clientId: string;
  /**
   * `deliver` encrypts a stored content message in the current epoch, posts it and settles the
   * row; `settle` marks one `failed` with why; `isSending` says whether this process is sending
   * that message right now (then it is no orphan); `edit` sends an edit of one of this user's messages.
   */
  readonly outgoing: Pick<OutgoingMessages, 'deliver' | 'settle' | 'isSending' | 'edit'>;
}

type Row = ResendRow;

const StoredMentionsSchema = z.array(z.object({ start: z.number().int(), length: z.number().int(), user: z.string() }));

/** Pauses before sending waiting messages again while the connection seems up: 2 s, 4 s … 5 min (as the outbox). */
const RETRY_BASE_MS = 2000;
const RETRY_CAP_MS = 5 * 60_000;

/** Kinds a user sends as a message of their own (edits, reactions and receipts are no rows). */
const RESENDABLE = new Set(['text', 'knock', 'asset']);

/** Why a message cannot be sent again, in a sentence for the user; undefined when it can. */
function refusal(row: Row, selfId: string): CoreError | undefined {
  if (row.sender_user_id !== selfId || !RESENDABLE.has(row.kind)) return new CoreError('message-not-yours');
  if (row.deleted_at !== null) return new CoreError('message-deleted');
  if (row.left_at !== null) return new CoreError('conversation-left');
  if (row.content === null) return new CoreError('message-not-resendable');
  if (row.kind === 'asset' && row.has_asset === 0) return new CoreError('message-not-resendable', 'The file of this message is no longer on this device. Send the file again.');
  return undefined;
}

export class Resender {
  private readonly unsubscribe: () => void;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;

  constructor(private readonly deps: ResendDeps) {
    // Online and caught up (after a start, or after an outage): send what waited or a crash left pending.
    this.unsubscribe = deps.events.subscribe((event, payload) => {
      if (event === 'connection.state' && typeof payload === 'object' && payload !== null && 'state' in payload && payload.state === 'online') {
        this.failures = 0;
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        void this.resendOrphans();
      }
    });
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * What outgoingMessages.ts tells after a delivery: a message was left `pending` (the server
   * could not be reached or was busy: try again after a pause, unless the connection comes back
   * first), or one went out (the connection works: send what waits now).
   */
  deliveryNews(news: 'waiting' | 'sent'): void {
    if (this.closed) return;
    switch (news) {
      case 'waiting':
        this.later();
        return;
      case 'sent':
        this.failures = 0;
        if (this.retryTimer !== undefined) {
          clearTimeout(this.retryTimer);
          this.retryTimer = undefined;
          void this.resendOrphans();
        }
        return;
      default:
        return missingCase(news);
    }
  }

  private later(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.failures += 1;
    const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.resendOrphans();
    }, delay);
    this.retryTimer.unref?.();
  }

  private row(conversationId: string, messageId: string): Row | undefined {
    return resendRow(this.deps.db, conversationId, messageId);
  }

  /**
   * Sends a `failed` message of this user again, same id and same content, in the group's current
   * epoch: `pending` at once, then `sent` or `failed` (each announced with `message.updated`);
   * while the server cannot be reached it stays `pending` and goes out when the connection is
   * back. Refused, with a sentence that says why, for someone else's message, one that is not
   * failed, deleted, in a conversation this user left, or (as any send) in a degraded
   * conversation. A refusal by the server is thrown after the message was marked `failed` again.
   */
  async retry(conversationId: string, messageId: string): Promise<StoredMessage> {
    const { db } = this.deps;
    const row = this.row(conversationId, messageId);
    if (!row) throw new CoreError('message-not-found');
    const refused = refusal(row, this.deps.selfId);
    if (refused) throw refused;
    if (row.status === 'pending') throw new CoreError('message-sending');
    if (row.status !== 'failed') throw new CoreError('message-not-failed');
    if (verificationOf(db, conversationId) === 'degraded') throw new CoreError('conversation-degraded');
    // Claimed here, synchronously: a second retry of the same message finds it pending.
    writeTransaction(db, (tx) => claimFailed(tx, conversationId, messageId));
    this.announce(conversationId, messageId);
    const delivery = await this.send(conversationId, messageId, row);
    if (delivery.kind === 'failed') throw delivery.error;
    return this.stored(conversationId, messageId);
  }

  /**
   * Sends again, oldest first, every message of this device still `pending` that nothing in
   * this process is sending: waiting for the connection, or left so by a crash or a kill. One
   * that cannot be sent (any more) becomes `failed`; when the server cannot be reached the rest
   * wait for the next try. Runs again if asked while running.
   */
  resendOrphans(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.resendOrphansOnce();
        } while (this.again && !this.closed);
      } catch (error) {
        this.deps.log.warn('sending waiting messages failed', { error });
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async resendOrphansOnce(): Promise<void> {
    const { db, log } = this.deps;
    const orphans = pendingOfDevice(db, this.deps.selfId, this.deps.clientId);
    for (const { conversationId, id } of orphans) {
      if (this.closed) return;
      if (this.deps.outgoing.isSending(id)) continue;
      const row = this.row(conversationId, id);
      if (!row || row.status !== 'pending') continue;
      const refused = refusal(row, this.deps.selfId) ?? (verificationOf(db, conversationId) === 'degraded' ? new CoreError('conversation-degraded') : undefined);
      if (refused) {
        log.info('a pending message cannot be sent; marked failed', { conversationId, messageId: id, code: refused.code });
        this.deps.outgoing.settle(conversationId, id, 'failed', { code: refused.code, message: refused.message });
        continue;
      }
      const delivery = await this.send(conversationId, id, row);
      log.info('sent a pending message again', { conversationId, messageId: id, outcome: delivery.kind });
      // The rest would meet the same connection: they wait for the next try (deliveryNews).
      if (delivery.kind === 'waiting') return;
    }
  }

  /** Posts the stored content again and settles the row; a message edited meanwhile gets its edit again. */
  private async send(conversationId: string, messageId: string, row: Row): Promise<Delivery> {
    if (row.content === null) throw new CoreError('internal');
    const delivery = await this.deps.outgoing.deliver(conversationId, messageId, row.content);
    if (delivery.kind !== 'sent') return delivery;
    // An edit of a message that had failed reached the others before the message itself, and
    // they dropped it (no such message yet): the current text follows as an edit again.
    if (row.edited_at !== null && row.kind === 'text' && row.body !== null) {
      const current = this.row(conversationId, messageId);
      if (current?.body) {
        await this.deps.outgoing
          .edit(conversationId, messageId, current.body, mentionsOf(current.mentions))
          .catch((error: unknown) => this.deps.log.warn('sending the edit of a message sent again failed', { conversationId, messageId, error }));
      }
    }
    return delivery;
  }

  private announce(conversationId: string, messageId: string): void {
    const message = getMessage(this.deps.db, conversationId, messageId);
    if (message) this.deps.events.emit('message.updated', message);
  }

  private stored(conversationId: string, messageId: string): StoredMessage {
    const message = getMessage(this.deps.db, conversationId, messageId);
    if (!message) throw new CoreError('message-not-found');
    return message;
  }
}

/** Stored mentions (`user` as `id@domain`) as a content message carries them. */
function mentionsOf(json: string | null): Mention[] {
  if (json === null) return [];
  const parsed = StoredMentionsSchema.safeParse(JSON.parse(json));
  if (!parsed.success) return [];
  return parsed.data.flatMap((m) => {
    const at = m.user.lastIndexOf('@');
    return at > 0 ? [{ start: m.start, length: m.length, user: { id: m.user.slice(0, at), domain: m.user.slice(at + 1) } }] : [];
  });
}
