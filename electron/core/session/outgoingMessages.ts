/**
 * Everything this device sends into a conversation: texts, pings, edits, deletes, reactions,
 * typing news, read receipts, and the content other services hand over (files, the outbox's
 * receipts, resend.ts's messages sent again).
 *
 * Sending is optimistic (issue 12, as Signal and Wire): a message of this user is stored as
 * `pending` and announced (`message.added`) before anything else, so the composer never waits
 * for the server; it is then encrypted and posted, and the outcome comes as `message.updated`:
 * `sent`, or `failed` with a reason when the server refuses it for good. While the server cannot
 * be reached it stays `pending` and services/resend.ts sends it when the connection is back
 * (also after a restart: the row holds the encoded content). One function says which failure is
 * which (net/classifyFailure.ts).
 *
 * Ordering that makes a crash harmless: the new group state is stored before the ciphertext
 * leaves, so a restart never reuses a ratchet step. The server accepts application messages
 * only in the group's current epoch: after a 409 this device catches up from its queue and
 * encrypts the same message (same id) again.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { encodeContent } from '../../../protocol/content/codec';
import type { Content, Mention } from '../../../protocol/content/schema';
import type { StoredMessage } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import { ApiError } from '../net/apiError';
import type { Failure } from '../net/classifyFailure';
import { classifyFailure, isTransient } from '../net/classifyFailure';
import type { WritableDB } from '../store/handles';
import { isLeft } from '../store/conversations';
import type { NewMessage } from '../store/messages';
import { applyDelete, applyEdit, insertMessage, markRead, setMessageStatus } from '../store/messages';
import { getMessage } from '../toContract';
import { saveGroupState } from '../store/groups';
import { writeTransaction } from '../store/handles';
import { applyReaction } from '../store/reactions';
import { verificationOf } from '../store/conversations';
import { mentionsToSend, quoteToSend } from '../services/messageReferences';
import { readPreferences } from '../services/preferences';
import type { Announcer } from './announcer';
import type { ConversationQueries } from './conversationQueries';
import type { DeviceContext } from './device';
import { selfId, toBase64, value } from './device';
import type { GroupSession } from './groupSession';

type Posted = { ok: true } | { ok: false; error: unknown };

/** How an attempt to send one of this user's stored messages ended (the row says the same). */
export type Delivery = Readonly<{ kind: 'sent' }> | Readonly<{ kind: 'waiting'; failure: Failure }> | Readonly<{ kind: 'failed'; error: unknown }>;

export class OutgoingMessages {
  private readonly device: DeviceContext;
  /** Ids of the messages this device is sending right now (resend.ts leaves them alone). */
  private readonly sending = new Set<string>();
  /** Per conversation, the last post started: posts leave in the order their messages were encrypted. */
  private readonly posts = new Map<string, Promise<unknown>>();

  constructor(
    private readonly groups: GroupSession,
    private readonly queries: ConversationQueries,
    private readonly announcer: Announcer,
    private readonly log: Logger,
    /**
     * A message was left `pending` because the server could not be reached or was busy, or one
     * was just sent (the connection works): resend.ts sends what is waiting.
     */
    private readonly deliveryNews: (news: 'waiting' | 'sent') => void = () => undefined,
  ) {
    this.device = groups.device;
  }

  /**
   * Sends a text message: stored as `pending` and returned at once, then sent (`sendOwn`). A reply carries
   * the quoted message's id and the hash of its text; mentions must name members of the conversation.
   */
  async sendText(
    conversationId: string,
    text: string,
    options: Readonly<{ timerMs?: number; quote?: { messageId: string }; mentions?: readonly Mention[] }> = {},
  ): Promise<StoredMessage> {
    const { db } = this.device;
    const { timerMs } = options;
    const quote = options.quote ? quoteToSend(db, conversationId, options.quote.messageId) : undefined;
    const mentions = mentionsToSend(db, conversationId, options.mentions ?? [], selfId(this.device));
    const plain: Content = {
      type: 'text',
      text,
      mentions: [...(options.mentions ?? [])],
      ...(quote ? { quote: { messageId: quote.messageId, ...(quote.textHash ? { textHash: quote.textHash } : {}) } } : {}),
    };
    // A self-deleting message: the receivers' countdown starts when they first see it; the
    // sender's copy counts down from sending.
    const content: Content = timerMs ? { type: 'ephemeral', expireAfterMs: timerMs, content: plain } : plain;
    return this.sendOwn(conversationId, content, (sentAt) => ({
      kind: 'text',
      body: text,
      ...(timerMs ? { timerMs, expiresAt: sentAt + timerMs } : {}),
      ...(quote ? { quote } : {}),
      ...mentions,
    }));
  }

  /** Knocks ("ping"): a message without text that asks for the others' attention. */
  async knock(conversationId: string): Promise<StoredMessage> {
    return this.sendOwn(conversationId, { type: 'knock' }, () => ({ kind: 'knock', body: null }));
  }

  /** Replaces the text of one of this user's messages; its mentions are replaced too (each must name a member). */
  async edit(conversationId: string, messageId: string, text: string, mentions: readonly Mention[] = []): Promise<StoredMessage> {
    this.requireOwn(conversationId, messageId);
    const self = selfId(this.device);
    const checked = mentionsToSend(this.device.db, conversationId, mentions, self);
    await this.send(conversationId, { type: 'edit', replacingId: messageId, text, mentions: [...mentions] }, (_id, ok) => {
      if (ok) writeTransaction(this.device.db, (tx) => applyEdit(tx, conversationId, messageId, self, text, Date.now(), checked));
    });
    const updated = this.queries.message(conversationId, messageId);
    this.announcer.events.emit('message.updated', updated);
    this.announcer.conversationChanged(conversationId);
    return updated;
  }

  async delete(conversationId: string, messageId: string): Promise<Record<string, never>> {
    this.requireOwn(conversationId, messageId);
    await this.send(conversationId, { type: 'delete', messageId }, (_id, ok) => {
      if (ok) writeTransaction(this.device.db, (tx) => applyDelete(tx, conversationId, messageId, selfId(this.device), Date.now()));
    });
    this.announcer.events.emit('message.updated', this.queries.message(conversationId, messageId));
    this.announcer.conversationChanged(conversationId);
    return {};
  }

  async react(conversationId: string, messageId: string, emoji: string): Promise<Record<string, never>> {
    this.queries.message(conversationId, messageId);
    await this.send(conversationId, { type: 'reaction', messageId, emoji }, (_id, ok) => {
      if (ok) writeTransaction(this.device.db, (tx) => applyReaction(tx, conversationId, messageId, selfId(this.device), emoji, Date.now()));
    });
    this.announcer.events.emit('message.updated', this.queries.message(conversationId, messageId));
    return {};
  }

  /** Tells the others that this user started or stopped typing (not stored anywhere), unless the user turned that off. */
  async typing(conversationId: string, state: 'started' | 'stopped'): Promise<Record<string, never>> {
    if (!readPreferences(this.device.db).sendTypingIndicators) return {};
    // Not even typing news goes to devices the user has not accepted (seed 002: degraded).
    if (verificationOf(this.device.db, conversationId) === 'degraded') return {};
    await this.sendContent(conversationId, { type: 'typing', state });
    return {};
  }

  /**
   * Clears the unread count and tells the senders (one read receipt for all newly read
   * messages), unless the user turned read receipts off: messages read meanwhile are never
   * reported, not even after turning them on again.
   */
  async markRead(conversationId: string): Promise<Record<string, never>> {
    const read = writeTransaction(this.device.db, (tx) => markRead(tx, conversationId, selfId(this.device)));
    this.announcer.conversationChanged(conversationId);
    const receipts = readPreferences(this.device.db).sendReadReceipts;
    if (receipts && read.length > 0 && verificationOf(this.device.db, conversationId) !== 'degraded') {
      await this.sendContent(conversationId, { type: 'receipt', kind: 'read', messageIds: read }).catch((error: unknown) =>
        this.log.warn('sending a read receipt failed', { conversationId, error }),
      );
    }
    return {};
  }

  /** Sends content that stores nothing here (receipts, typing news, "delete for me"); throws if the server did not take it. */
  async sendContent(conversationId: string, content: Content): Promise<void> {
    await this.send(conversationId, content, () => undefined);
  }

  /**
   * Sends a message of this user: stored as `pending` (what `row` says of it, and `alsoStore`'s
   * rows) and announced with `message.added` at once, then encrypted and posted in the
   * background (`deliver`). Returns the pending message: what the server says comes as
   * `message.updated`. Refused before anything is stored in a degraded conversation, one this
   * user left or was removed from, or one this device holds no group for.
   */
  async sendOwn(
    conversationId: string,
    content: Content,
    row: (sentAt: number) => Pick<NewMessage, 'kind' | 'body'> & Partial<NewMessage>,
    alsoStore?: (tx: WritableDB, messageId: string) => void,
  ): Promise<StoredMessage> {
    const { db } = this.device;
    this.requireSendable(conversationId);
    // A group being stored right now (the Welcome of a conversation just made) is waited for:
    // the receive path stores it under the group-state lock.
    if (!this.groups.holds(conversationId)) await this.groups.exclusive(async () => undefined);
    if (!this.groups.holds(conversationId)) throw new CoreError('conversation-not-joined');
    if (isLeft(db, conversationId)) throw new CoreError('conversation-left');
    this.requireSendable(conversationId);
    const id = randomUUID();
    const sentAt = Date.now();
    const encoded = encodeContent({ v: 1, id, sentAt, content });
    writeTransaction(db, (tx) => {
      insertMessage(tx, {
        id,
        conversationId,
        senderUser: selfId(this.device),
        senderClient: this.device.clientId,
        content: encoded,
        sentAt,
        receivedAt: sentAt,
        status: 'pending',
        ...row(sentAt),
      });
      alsoStore?.(tx, id);
    });
    const stored = this.queries.message(conversationId, id);
    this.announcer.events.emit('message.added', stored);
    this.announcer.conversationChanged(conversationId);
    // `deliver` claims the id (`sending`) before its first await: resend.ts leaves it alone.
    void this.deliver(conversationId, id, encoded).catch((error: unknown) => this.log.warn('sending a message failed', { conversationId, messageId: id, error }));
    return stored;
  }

  /**
   * Encrypts and posts one of this user's `pending` messages (its stored content, `encoded`) and
   * settles the row: `sent`; `failed` with the reason when it cannot be sent without the user;
   * still `pending` when the server could not be reached or was busy (resend.ts tries again,
   * told through `deliveryNews`). A change is announced with `message.updated`.
   */
  async deliver(conversationId: string, id: string, encoded: Uint8Array): Promise<Delivery> {
    let delivery: Delivery;
    // In `sending` until the row is settled, so resend.ts never sends it a second time meanwhile.
    this.sending.add(id);
    try {
      await this.transmit(conversationId, encoded);
      delivery = { kind: 'sent' };
      this.settle(conversationId, id, 'sent');
    } catch (error) {
      const failure = classifyFailure(error);
      delivery = isTransient(failure) ? { kind: 'waiting', failure } : { kind: 'failed', error };
      if (failure.kind === 'needs-user' || failure.kind === 'give-up') this.settle(conversationId, id, 'failed', failure);
      this.log.info('a message was not sent', { conversationId, messageId: id, failure: failure.kind, error });
    } finally {
      this.sending.delete(id);
    }
    if (delivery.kind !== 'failed') this.deliveryNews(delivery.kind);
    return delivery;
  }

  /** Marks a pending message of this user `sent` or `failed` (with why) and announces it; nothing if it is no longer pending. */
  settle(conversationId: string, id: string, status: 'sent' | 'failed', failure?: Readonly<{ code: string; message: string }>): void {
    const { db } = this.device;
    if (!writeTransaction(db, (tx) => setMessageStatus(tx, conversationId, id, status, failure))) return;
    const message = getMessage(db, conversationId, id);
    if (message) this.announcer.events.emit('message.updated', message);
    this.announcer.conversationChanged(conversationId);
  }

  /** Whether this process is sending that message right now (then it is no orphan for resend.ts). */
  isSending(id: string): boolean {
    return this.sending.has(id);
  }

  /**
   * Refuses to send into a degraded conversation (seed 002): devices the user has not verified
   * joined it, and nothing goes to them until the user verifies them or accepts sending anyway.
   */
  requireSendable(conversationId: string): void {
    if (verificationOf(this.device.db, conversationId) === 'degraded') throw new CoreError('conversation-degraded');
  }

  private requireOwn(conversationId: string, messageId: string): void {
    const message = this.queries.message(conversationId, messageId);
    if (message.sender !== selfId(this.device) || message.deleted || message.kind !== 'text') {
      throw new CoreError('message-not-yours', 'Only your own messages can be edited or deleted.');
    }
  }

  /** Sends `content` as a new content message in the group's current epoch; `settled` runs once with the outcome. */
  private async send(conversationId: string, content: Content, settled: (id: string, ok: boolean) => void): Promise<{ id: string; sentAt: number }> {
    const id = randomUUID();
    const sentAt = Date.now();
    this.requireSendable(conversationId);
    const encoded = encodeContent({ v: 1, id, sentAt, content });
    try {
      await this.transmit(conversationId, encoded);
    } catch (error) {
      settled(id, false);
      this.announcer.conversationChanged(conversationId);
      throw error;
    }
    settled(id, true);
    return { id, sentAt };
  }

  /**
   * Encrypts `encoded` (a content message whose id is `id`) in the group's current epoch and
   * posts it; a 409 makes this device catch up and encrypt the same bytes again. Throws what
   * the last attempt met.
   */
  private async transmit(conversationId: string, encoded: Uint8Array): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const sealed = await this.groups.exclusive(async () => {
        // Checked again under the lock: a commit applied while this waited may have degraded it.
        this.requireSendable(conversationId);
        return this.seal(conversationId, encoded);
      });
      const outcome = await sealed.posted;
      if (outcome.ok) return;
      const error = outcome.error;
      if (!(error instanceof ApiError && error.code === 'mls-stale-message' && attempt < 3)) throw error;
      // The group moved on: apply the newer commits from the queue (outside the lock), then
      // encrypt the same message (same id: receivers keep one copy) in the current epoch.
      await this.groups.waitForEpoch(conversationId, error.epoch ?? 0);
    }
  }

  /**
   * One attempt, under the group-state lock: encrypt with the stored group state and store the
   * new state before anything leaves — a crash never
   * reuses a ratchet step. The post itself (`posted`) runs outside the lock, so a slow or hanging
   * request holds up neither the receive path nor sends to other conversations; posts to one
   * conversation still leave one after the other, in the order they were encrypted, so an edit,
   * reaction or receipt never overtakes the message it refers to.
   */
  private async seal(conversationId: string, encoded: Uint8Array): Promise<{ posted: Promise<Posted> }> {
    const { api, db } = this.device;
    const engine = await this.groups.mls();
    const group = this.groups.group(engine, conversationId);
    const encrypted = value(await engine.encrypt(group, encoded));
    const status = engine.status(encrypted.group);
    const state = engine.encodeGroupState(encrypted.group);
    writeTransaction(db, (tx) => saveGroupState(tx, conversationId, status.groupId, status.epoch, state, Date.now()));
    this.groups.decodedGroups.remember(conversationId, state, encrypted.group);
    // One key for this ciphertext, kept across the API client's retries: if the server stored a
    // post whose answer was lost, the retry is answered without a second delivery (issue 12).
    const idempotencyKey = randomBytes(16).toString('base64url');
    const post = async (): Promise<Posted> => {
      try {
        await api.call('postMlsMessage', { params: { conv: conversationId }, body: { message: toBase64(encrypted.message), idempotencyKey } }, { idempotent: true });
        return { ok: true };
      } catch (error) {
        return { ok: false, error };
      }
    };
    const before = this.posts.get(conversationId) ?? Promise.resolve();
    const posted = before.then(post, post);
    this.posts.set(conversationId, posted);
    void posted.then(() => {
      if (this.posts.get(conversationId) === posted) this.posts.delete(conversationId);
    });
    return { posted };
  }
}
