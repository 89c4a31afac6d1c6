/**
 * MLS conversations for the signed-in device: create a group and add every device of its
 * members, send text, and apply what arrives (Welcome, commits, application messages).
 *
 * Ordering rules that make a crash harmless:
 * - Sending: the new group state and the message (status `pending`) are stored in one
 *   transaction before the ciphertext leaves, so a restart never reuses a ratchet step; the
 *   status becomes `sent` once the server accepted it, else `failed`; resend.ts sends a failed
 *   message again on request, and one a crash left `pending` once online.
 * - Receiving: decryption runs first (it does not change the store), then the new group state,
 *   the message and the notification cursor are written in one transaction; only then is the
 *   notification acknowledged (see syncService.ts).
 * - A commit is adopted only after the server accepted it (201); a 409 leaves the old state.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Notification } from '../../../protocol/api/notifications';
import type { Conversation } from '../../../protocol/api/conversations';
import { decodeContent, encodeContent } from '../../../protocol/content/codec';
import type { Content, Mention } from '../../../protocol/content/schema';
import { MessageIdSchema } from '../../../protocol/content/schema';
import type { Result } from '../../../protocol/result';
import { DEFAULT_MLS_SUITE } from '../crypto/mls/cipherSuites';
import type { MlsCommitOutput } from '../crypto/mls/engineContext';
import type { MlsEngine } from '../crypto/mls/mlsEngine';
import { createMlsEngine } from '../crypto/mls/mlsEngine';
import type { MlsGroup, MlsMember } from '../crypto/mls/mlsGroup';
import { decodeSigner } from '../crypto/mls/mlsSigner';
import type { MlsClientIdentity } from '../crypto/mls/mlsIdentity';
import { sameClient } from '../crypto/mls/mlsIdentity';
import type { EventHub } from '../events';
import type { ConversationSummary, StoredMessage } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import { encryptAssetFile } from '../crypto/assets/assetCipher';
import type { ApiClient } from '../net/apiClient';
import { uploadAsset } from '../net/assetTransfer';
import { ApiError } from '../net/apiError';
import type { Db } from '../store/migration';
import {
  conversationExists,
  insertMessage,
  listConversations,
  listMessages,
  loadGroupState,
  qualified,
  saveConversation,
  saveGroupState,
  applyDelete,
  applyEdit,
  expireMessages,
  getMessage,
  groupName,
  listMembers,
  markRead,
  mimeTypeOf,
  saveReceipts,
  saveAsset,
  applyReaction,
  saveUserProfile,
  searchMessages,
  setMessageStatus,
  isMuted,
  setArchived,
  setMutedUntil,
  hideMessage,
} from './conversationStore';
import type { CheckedMentions } from './messageReferences';
import { memberMentions, mentionsToSend, quoteToSend } from './messageReferences';
import type { GroupBefore } from './membershipMessages';
import { groupBefore, recordDeparture, recordMembershipChange, recordOwnMembership } from './membershipMessages';
import { readPreferences, readPreferencesThisTurn } from './preferences';
import type { MemberSummary, NewMessage } from './conversationStore';
import { checkFileToSend } from './filePaths';
import type { ChangeRefusal, Poster } from './senderChecks';
import { changeReview, recordForgedMessage, recordRefusedChange, sentByPoster } from './senderChecks';
import { FileTransfers } from './fileTransfers';
import type { ConversationDevice, SelfDevice, UserDevice, VerificationChange } from './deviceTrust';
import { acceptDegraded, backfillGroupDevices, conversationDevices, knownDeviceKeys, reviewVerification, saveGroupDevices, setDeviceVerified, verificationOf } from './deviceTrust';
import { formatFingerprint } from '../crypto/mls/fingerprint';
import type { KeyStock } from './keyRefill';
import { keyStock, refillKeys } from './keyRefill';
import type { ReceivedGroups } from './receivedGroups';
import { DecodedGroups } from './decodedGroups';
import { MessageToStore, storeMessages } from './messageBatch';
import { Outbox } from './outbox';
import { Resender } from './resend';

type CommitTargets = {
  adds: Array<{ user: { id: string; domain: string }; client: string }>;
  removes: Array<{ user: { id: string; domain: string }; client: string }>;
};

export interface DeviceContext {
  readonly api: ApiClient;
  readonly db: Db;
  /** Folder for temporary encrypted copies of files being sent or received, and the file cache. */
  readonly filesDir: string;
  /** The profile folder: files in it are never sent or overwritten. */
  readonly profileDir: string;
  readonly userId: string;
  readonly domain: string;
  readonly clientId: string;
}

/** Writes to make in the notification's transaction, and what to announce after it committed. */
export interface PreparedEffect {
  readonly write: (db: Db) => void;
  readonly after: () => void;
  /**
   * Set when all `write` does is store this one message: the receive transaction then stores it
   * together with the messages next to it (messageBatch.ts) instead of calling `write`.
   */
  readonly message?: MessageToStore;
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new CoreError(result.error.code, result.error.message);
  return result.value;
}

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export class ConversationService {
  private engine: Promise<MlsEngine> | undefined;
  /** Decoded group states, reused while the stored ones are unchanged (decodedGroups.ts). */
  readonly decodedGroups = new DecodedGroups();
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Runs `work` alone: every read-modify-write of MLS group state (sending, committing,
   * applying a notification) goes through here, so a send and a receive can never both start
   * from the same stored state and overwrite each other's ratchet progress.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Delivery receipts and "delete for me" syncs owed to the server, kept until sent (outbox.ts). */
  private readonly outbox: Outbox;

  constructor(
    /** Read by resync.ts, which runs beside this service. */
    readonly device: DeviceContext,
    private readonly events: EventHub,
    private readonly log: Logger,
  ) {
    this.outbox = new Outbox({
      db: device.db,
      events,
      log: log.child('outbox'),
      send: async (conversationId, content) => {
        await this.send(conversationId, content, undefined, () => undefined);
      },
      selfConversation: () => this.selfConversation(),
    });
    this.resender = new Resender({
      db: device.db,
      events,
      log: log.child('resend'),
      selfId: this.selfId(),
      clientId: device.clientId,
      transmit: (conversationId, id, encoded) => this.transmit(conversationId, id, encoded),
      isSending: (id) => this.sending.has(id),
      edit: (conversationId, messageId, text, mentions) => this.edit(conversationId, messageId, text, mentions),
    });
  }

  /** Failed messages sent again on request, and pending ones a crash left, once online (resend.ts). */
  private readonly resender: Resender;

  /** Sends a failed message of this user again, same id and content (resend.ts). */
  retry(conversationId: string, messageId: string): Promise<StoredMessage> {
    return this.resender.retry(conversationId, messageId);
  }

  private lastRefill = 0;
  private fileTransfers: FileTransfers | undefined;

  /** Downloads, previews and the encrypted file cache (fileTransfers.ts). */
  private get files(): FileTransfers {
    this.fileTransfers ??= new FileTransfers(this.device, this.events, this.log.child('files'));
    return this.fileTransfers;
  }

  /** Tops up key packages and prekeys at the server (at most once a minute). */
  async refillKeys(force = false): Promise<void> {
    if (!force && Date.now() - this.lastRefill < 60_000) return;
    this.lastRefill = Date.now();
    const added = await refillKeys(this.device, await this.mls());
    if (added.keyPackages > 0 || added.prekeys > 0) this.log.info('refilled keys at the server', { ...added });
  }

  async keyStock(): Promise<KeyStock> {
    return keyStock(this.device);
  }

  list(): { conversations: ConversationSummary[] } {
    return { conversations: listConversations(this.device.db, this.selfId()) };
  }

  search(text: string, limit: number): { messages: StoredMessage[] } {
    return { messages: searchMessages(this.device.db, text, limit) };
  }

  members(conversationId: string): { members: MemberSummary[] } {
    return { members: listMembers(this.device.db, conversationId) };
  }

  /** Leaves a group: off the server's member list; the others' next commit removes this device. */
  async leave(conversationId: string): Promise<ConversationSummary> {
    await this.device.api.call('removeMember', { params: { conv: conversationId, domain: this.device.domain, user: this.device.userId } });
    const { db } = this.device;
    const now = Date.now();
    const said = db.transaction(() => {
      db.prepare('UPDATE conversations SET left_at = ? WHERE id = ?').run(now, conversationId);
      return recordOwnMembership(db, conversationId, `left-${now}`, { kind: 'left' }, this.selfDevice(), now);
    })();
    this.announceMessage(conversationId, said);
    this.events.emit('conversation.changed', { id: conversationId });
    return this.summary(conversationId);
  }

  /** A page of history: the newest `limit` messages, or the `limit` just older than `before`. */
  messages(conversationId: string, limit: number, before?: string): { messages: StoredMessage[]; hasOlder: boolean } {
    if (before !== undefined && this.device.db.prepare('SELECT 1 FROM messages WHERE conversation_id = ? AND id = ?').pluck().get(conversationId, before) !== 1) {
      throw new CoreError('message-not-found', 'There is no such message in this conversation.');
    }
    return listMessages(this.device.db, conversationId, limit, before);
  }

  /** Creates the conversation at the server, then the MLS group with every device of its members. */
  async create(name: string, members: ReadonlyArray<{ id: string; domain: string }>): Promise<ConversationSummary> {
    const conversation = await this.device.api.call('createConversation', { body: { type: 'group', name, users: [...members] } });
    return this.establish(conversation, members);
  }

  /**
   * The 1:1 conversation with `user`: the server keeps one per pair, so this opens the existing
   * one if there is one (joining its group by external commit if this device is not in it yet).
   */
  async openOneToOne(user: { id: string; domain: string }): Promise<ConversationSummary> {
    const conversation = await this.device.api.call('createConversation', { body: { type: 'one2one', users: [user] } });
    const id = conversation.qualifiedId.id;
    if (loadGroupState(this.device.db, id)) return this.summary(id);
    const fresh = conversation.epoch === 0 && conversation.clients.length === 1 && conversation.clients[0]?.client === this.device.clientId;
    if (fresh) return this.establish(conversation, [user]);
    await this.joinByExternalCommit(conversation);
    return this.summary(id);
  }

  private summary(id: string): ConversationSummary {
    const summary = listConversations(this.device.db, this.selfId()).find((c) => c.id === id);
    if (!summary) throw new CoreError('internal');
    return summary;
  }

  private selfId(): string {
    return qualified({ id: this.device.userId, domain: this.device.domain });
  }

  /** Creates the MLS group of a conversation the server just made, with every device of its members. */
  private async establish(conversation: Conversation, members: ReadonlyArray<{ id: string; domain: string }>): Promise<ConversationSummary> {
    await this.establishGroup(conversation, members);
    return this.summary(conversation.qualifiedId.id);
  }

  private async establishGroup(conversation: Conversation, members: ReadonlyArray<{ id: string; domain: string }>): Promise<void> {
    const { api, db } = this.device;
    const engine = await this.mls();
    const group = value(await engine.createGroup(fromBase64(conversation.groupId)));
    const claimed = await this.claimKeyPackages([{ id: this.device.userId, domain: this.device.domain }, ...members]);
    const output =
      claimed.packages.length > 0 ? value(await engine.addMembers(group, claimed.packages)) : value(await engine.selfUpdate(group));
    await api.call('postCommitBundle', {
      params: { conv: conversation.qualifiedId.id },
      body: {
        commit: toBase64(output.commit),
        ...(output.welcome ? { welcome: toBase64(output.welcome) } : {}),
        groupInfo: toBase64(output.groupInfo),
        adds: claimed.adds,
        removes: [],
      },
    });
    const profiles = await this.profiles(conversation);
    const now = Date.now();
    let change: VerificationChange | undefined;
    db.transaction(() => {
      saveConversation(db, conversation, now);
      for (const p of profiles) saveUserProfile(db, p.user, p.name, p.handle, now);
      saveGroupState(db, conversation.qualifiedId.id, fromBase64(conversation.groupId), output.epoch, engine.encodeGroupState(output.group), now);
      // Creating a conversation is no membership change to announce: its history starts here.
      change = this.trackDevices(db, conversation.qualifiedId.id, engine.members(output.group));
    })();
    this.announce(change);
    this.events.emit('conversation.changed', { id: conversation.qualifiedId.id });
  }

  /**
   * The user's self-conversation (seed 002 / Wire: a group of only the user's own devices, never
   * listed), for what one device tells the others. Made on first need: the server keeps one per
   * user, so a device that finds it already made joins it by external commit; devices added to
   * the account later join it with the rest (`joinExisting`).
   */
  private async selfConversation(): Promise<string> {
    const { api, db } = this.device;
    const known: unknown = db
      .prepare(`SELECT c.id FROM conversations c JOIN mls_groups g ON g.conversation_id = c.id WHERE c.kind = 'self' AND c.left_at IS NULL`)
      .pluck()
      .get();
    if (typeof known === 'string') return known;
    const conversation = await api.call('createConversation', { body: { type: 'self', users: [] } });
    const id = conversation.qualifiedId.id;
    if (loadGroupState(db, id)) return id;
    const fresh = conversation.epoch === 0 && conversation.clients.length === 1 && conversation.clients[0]?.client === this.device.clientId;
    if (fresh) await this.establishGroup(conversation, []);
    else await this.joinByExternalCommit(conversation);
    return id;
  }

  /**
   * A new device of a user who is already in conversations joins each of them by an external
   * commit (seed 002 / RFC 9420: GroupInfo kept at the server), so it reads what is sent from
   * now on. Earlier history is not readable by design; a backup can bring it over.
   */
  async joinExisting(): Promise<{ joined: number; failed: number }> {
    const { api, db } = this.device;
    const { conversations } = await api.call('listConversations', {});
    let joined = 0;
    let failed = 0;
    for (const conversation of conversations) {
      const id = conversation.qualifiedId.id;
      if (loadGroupState(db, id)) continue;
      if (conversation.clients.some((c) => c.user.id === this.device.userId && c.client === this.device.clientId)) continue;
      try {
        await this.joinByExternalCommit(conversation);
        joined += 1;
      } catch (error) {
        failed += 1;
        this.log.warn('joining an existing conversation failed', { conversationId: id, error });
      }
    }
    return { joined, failed };
  }

  /** Joins a conversation's group with an external commit from its GroupInfo (retried on 409). */
  private joinByExternalCommit(conversation: Conversation): Promise<void> {
    return this.exclusive(() => this.joinByExternalCommitAlone(conversation));
  }

  /**
   * The external join itself; call under `exclusive`. A device whose leaf is still in the group
   * replaces it (it fell behind; see resync.ts). `write` adds to the transaction that stores the group.
   */
  async joinByExternalCommitAlone(conversation: Conversation, write?: (tx: Db) => void): Promise<void> {
    const { api, db } = this.device;
    const engine = await this.mls();
    const id = conversation.qualifiedId.id;
    for (let attempt = 1; ; attempt++) {
      const { groupInfo } = await api.call('getGroupInfo', { params: { conv: id } });
      const output = value(await engine.joinByExternalCommit(fromBase64(groupInfo)));
      try {
        await api.call('postCommitBundle', {
          params: { conv: id },
          body: {
            commit: toBase64(output.commit),
            groupInfo: toBase64(output.groupInfo),
            adds: [{ user: { id: this.device.userId, domain: this.device.domain }, client: this.device.clientId }],
            removes: output.removed.map((r) => ({ user: { id: r.userId, domain: r.domain }, client: r.clientId })),
          },
        });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'mls-stale-message' && attempt < 3) continue;
        throw error;
      }
      const profiles = await this.profiles(conversation);
      const status = engine.status(output.group);
      const now = Date.now();
      let change: VerificationChange | undefined;
      db.transaction(() => {
        saveConversation(db, conversation, now);
        for (const p of profiles) saveUserProfile(db, p.user, p.name, p.handle, now);
        saveGroupState(db, id, status.groupId, output.epoch, engine.encodeGroupState(output.group), now);
        change = this.trackDevices(db, id, engine.members(output.group));
        write?.(db);
      })();
      this.announce(change);
      this.events.emit('conversation.changed', { id });
      return;
    }
  }

  /** Adds users to a group: the server's member list first, then every device of theirs through a commit. */
  async addMembers(conversationId: string, users: ReadonlyArray<{ id: string; domain: string }>): Promise<ConversationSummary> {
    const { api } = this.device;
    await api.call('addMembers', { params: { conv: conversationId }, body: { users: [...users], role: 'member' } });
    const claimed = await this.claimKeyPackages(users);
    if (claimed.packages.length > 0) {
      await this.commit(conversationId, (engine, group) => engine.addMembers(group, claimed.packages), { adds: claimed.adds, removes: [] });
    }
    return this.refreshed(conversationId);
  }

  /**
   * Removes a user: off the server's member list, then every device of theirs out of the MLS
   * group, so nothing sent afterwards can be read by them.
   */
  async removeMember(conversationId: string, user: { id: string; domain: string }): Promise<ConversationSummary> {
    const { api } = this.device;
    await api.call('removeMember', { params: { conv: conversationId, domain: user.domain, user: user.id } });
    await this.commit(
      conversationId,
      (engine, group) => {
        const clients = engine.members(group).filter((m) => m.identity.userId === user.id && m.identity.domain === user.domain);
        return engine.removeMembers(group, clients.map((m) => m.identity));
      },
      (output) => ({ adds: [], removes: output.removed.map((r) => ({ user: { id: r.userId, domain: r.domain }, client: r.clientId })) }),
    );
    return this.refreshed(conversationId);
  }

  /**
   * Builds a commit on the current group, posts it, and adopts the new state only once the
   * server accepted it. A 409 (someone else committed first) waits until this device has
   * processed the newer epoch from its queue, then builds the commit again.
   */
  private async commit(
    conversationId: string,
    build: (engine: MlsEngine, group: MlsGroup) => Promise<Result<MlsCommitOutput>> | undefined,
    targets: CommitTargets | ((output: MlsCommitOutput) => CommitTargets),
  ): Promise<void> {
    const { api, db } = this.device;
    const engine = await this.mls();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.exclusive(async (): Promise<{ staleAt: number } | undefined> => {
        const group = this.group(engine, conversationId);
        const built = build(engine, group);
        // Nothing (left) to commit: another device's commit did it meanwhile.
        if (built === undefined) return undefined;
        const output = value(await built);
        const { adds, removes } = typeof targets === 'function' ? targets(output) : targets;
        try {
          await api.call('postCommitBundle', {
            params: { conv: conversationId },
            body: {
              commit: toBase64(output.commit),
              ...(output.welcome ? { welcome: toBase64(output.welcome) } : {}),
              groupInfo: toBase64(output.groupInfo),
              adds,
              removes,
            },
          });
        } catch (error) {
          if (error instanceof ApiError && error.code === 'mls-stale-message' && attempt < 3) return { staleAt: error.epoch ?? 0 };
          throw error;
        }
        const status = engine.status(output.group);
        let said: string | undefined;
        const change = db.transaction(() => {
          saveGroupState(db, conversationId, status.groupId, output.epoch, engine.encodeGroupState(output.group), Date.now());
          const members = engine.members(output.group);
          said = this.recordMembers(db, conversationId, output.epoch, groupBefore(db, conversationId), members, this.selfId());
          return this.trackDevices(db, conversationId, members);
        })();
        this.announceMessage(conversationId, said);
        this.announce(change);
        return undefined;
      });
      if (!outcome) return;
      // Outside the lock: the notification stream must apply the newer commits first.
      await this.waitForEpoch(conversationId, outcome.staleAt);
    }
  }

  private async waitForEpoch(conversationId: string, epoch: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    const read = this.device.db.prepare('SELECT epoch FROM mls_groups WHERE conversation_id = ?').pluck();
    while (Date.now() < deadline) {
      const current = read.get(conversationId);
      if (typeof current === 'number' && current >= epoch) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new CoreError('mls-stale-message', 'The group moved on and this device could not catch up. Try again.');
  }

  private async refreshed(conversationId: string): Promise<ConversationSummary> {
    const conversation = await this.device.api.call('getConversation', { params: { conv: conversationId } });
    const profiles = await this.profiles(conversation);
    const now = Date.now();
    this.device.db.transaction(() => {
      saveConversation(this.device.db, conversation, now);
      for (const p of profiles) saveUserProfile(this.device.db, p.user, p.name, p.handle, now);
    })();
    this.events.emit('conversation.changed', { id: conversationId });
    return this.summary(conversationId);
  }

  /**
   * Encrypts and sends a text message; the message is stored before it leaves (see the file
   * comment). A reply carries the quoted message's id and the hash of its text; mentions must
   * name members of the conversation.
   */
  async sendText(
    conversationId: string,
    text: string,
    options: Readonly<{ timerMs?: number; quote?: { messageId: string }; mentions?: readonly Mention[] }> = {},
  ): Promise<StoredMessage> {
    const { db } = this.device;
    const { timerMs } = options;
    const sender = this.selfId();
    const quote = options.quote ? quoteToSend(db, conversationId, options.quote.messageId) : undefined;
    const mentions = mentionsToSend(db, conversationId, options.mentions ?? [], sender);
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
  knock(conversationId: string): Promise<StoredMessage> {
    return this.sendOwn(conversationId, { type: 'knock' }, () => ({ kind: 'knock', body: null }));
  }

  /**
   * Delete for me: hides a message (anyone's) on this device at once — the text leaves the list,
   * the search index and the conversation's preview — then tells the user's other devices through
   * the self-conversation, never the conversation itself. That news is queued in the same
   * transaction (outbox.ts): if it cannot be sent now (no connection, say), it is sent when the
   * connection is back, also after a restart.
   */
  async hide(conversationId: string, messageId: string): Promise<{ synced: boolean }> {
    const { db } = this.device;
    this.message(conversationId, messageId);
    // Lines this device wrote itself (system messages) have no id the others know.
    const tell = MessageIdSchema.safeParse(messageId).success;
    const hidden = db.transaction(() => {
      const now = Date.now();
      const changed = hideMessage(db, conversationId, messageId, now);
      if (changed && tell) this.outbox.noteHidden(db, conversationId, messageId, now);
      return changed;
    })();
    if (hidden) {
      this.events.emit('message.hidden', { conversationId, messageId });
      this.events.emit('conversation.changed', { id: conversationId });
    }
    if (!tell) return { synced: false };
    return { synced: await this.outbox.sendHidden(conversationId, messageId) };
  }

  private expiryTimer: ReturnType<typeof setInterval> | undefined;

  /** Starts removing self-deleting messages whose time is up (checked every second). */
  startExpiry(): void {
    if (this.expiryTimer) return;
    this.expiryTimer = setInterval(() => {
      try {
        for (const { conversationId, id } of expireMessages(this.device.db, Date.now())) {
          const updated = getMessage(this.device.db, conversationId, id);
          if (updated) this.events.emit('message.updated', updated);
          this.events.emit('conversation.changed', { id: conversationId });
        }
      } catch (error) {
        this.log.warn('removing expired messages failed', { error });
      }
    }, 1000);
    this.expiryTimer.unref?.();
  }

  close(): void {
    clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
    this.outbox.close();
    this.resender.close();
  }

  /** Replaces the text of one of this user's messages; its mentions are replaced too (each must name a member). */
  async edit(conversationId: string, messageId: string, text: string, mentions: readonly Mention[] = []): Promise<StoredMessage> {
    this.requireOwn(conversationId, messageId);
    const checked = mentionsToSend(this.device.db, conversationId, mentions, this.selfId());
    await this.send(conversationId, { type: 'edit', replacingId: messageId, text, mentions: [...mentions] }, undefined, (_id, ok) => {
      if (ok) applyEdit(this.device.db, conversationId, messageId, this.selfId(), text, Date.now(), checked);
    });
    const updated = this.message(conversationId, messageId);
    this.events.emit('message.updated', updated);
    this.events.emit('conversation.changed', { id: conversationId });
    return updated;
  }

  async delete(conversationId: string, messageId: string): Promise<Record<string, never>> {
    this.requireOwn(conversationId, messageId);
    await this.send(conversationId, { type: 'delete', messageId }, undefined, (_id, ok) => {
      if (ok) applyDelete(this.device.db, conversationId, messageId, this.selfId(), Date.now());
    });
    this.events.emit('message.updated', this.message(conversationId, messageId));
    this.events.emit('conversation.changed', { id: conversationId });
    return {};
  }

  async react(conversationId: string, messageId: string, emoji: string): Promise<Record<string, never>> {
    this.message(conversationId, messageId);
    await this.send(conversationId, { type: 'reaction', messageId, emoji }, undefined, (_id, ok) => {
      if (ok) applyReaction(this.device.db, conversationId, messageId, this.selfId(), emoji, Date.now());
    });
    this.events.emit('message.updated', this.message(conversationId, messageId));
    return {};
  }

  /**
   * Sends a file: encrypted with a fresh key (seed 002 "Assets"), uploaded and shared with the
   * conversation, then announced in an E2EE message carrying the key and the hash. The
   * ciphertext stays in the local file cache, so the sender's previews need no download.
   */
  async sendFile(conversationId: string, filePath: string, transferId: string = randomUUID()): Promise<StoredMessage> {
    const { api, filesDir } = this.device;
    this.requireSendable(conversationId);
    const source = await checkFileToSend(filePath, this.device.profileDir);
    const name = path.basename(filePath).slice(0, 255) || 'file';
    const mime = mimeTypeOf(name);
    await mkdir(filesDir, { recursive: true, mode: 0o700 });
    const temporary = path.join(filesDir, `upload-${randomUUID()}.enc`);
    const progress = this.files.progress('upload', { transferId, conversationId, name, assetId: null, messageId: null });
    let sealed: Awaited<ReturnType<typeof encryptAssetFile>>;
    let uploaded: { key: string };
    try {
      sealed = await encryptAssetFile(source, temporary);
      uploaded = await uploadAsset(api, temporary, sealed.cipherSize, conversationId, progress);
      await this.files.cache.adopt(uploaded.key, temporary).catch((error: unknown) => this.log.warn('caching a sent file failed', { error }));
    } finally {
      await rm(temporary, { force: true });
    }
    const content: Content = {
      type: 'asset',
      name,
      mime,
      size: sealed.plainSize,
      key: new Uint8Array(sealed.key),
      sha256: new Uint8Array(sealed.sha256),
      assetId: uploaded.key,
      domain: this.device.domain,
    };
    return this.sendOwn(
      conversationId,
      content,
      () => ({ kind: 'asset', body: name }),
      (tx, messageId) => saveAsset(tx, { ...content, conversationId, messageId, localPath: filePath }),
    );
  }

  /**
   * Saves a file at `outPath`: the SHA-256 of the ciphertext is checked against the one from the
   * E2EE message before a byte is decrypted (see fileTransfers.ts for the cache and resuming).
   */
  downloadFile(assetId: string, outPath: string): Promise<{ path: string; size: number }> {
    return this.files.download(assetId, outPath);
  }

  /** The decrypted bytes of an image file message, for a preview (never written to disk). */
  previewFile(assetId: string): Promise<{ mime: string; bytes: Uint8Array<ArrayBuffer> }> {
    return this.files.preview(assetId);
  }

  /** Tells the others that this user started or stopped typing (not stored anywhere), unless the user turned that off. */
  async typing(conversationId: string, state: 'started' | 'stopped'): Promise<Record<string, never>> {
    if (!readPreferences(this.device.db).sendTypingIndicators) return {};
    // Not even typing news goes to devices the user has not accepted (seed 002: degraded).
    if (verificationOf(this.device.db, conversationId) === 'degraded') return {};
    await this.send(conversationId, { type: 'typing', state }, undefined, () => undefined);
    return {};
  }

  /**
   * Clears the unread count and tells the senders (one read receipt for all newly read
   * messages), unless the user turned read receipts off: messages read meanwhile are never
   * reported, not even after turning them on again.
   */
  async markRead(conversationId: string): Promise<Record<string, never>> {
    const read = markRead(this.device.db, conversationId, this.selfId());
    this.events.emit('conversation.changed', { id: conversationId });
    const receipts = readPreferences(this.device.db).sendReadReceipts;
    if (receipts && read.length > 0 && verificationOf(this.device.db, conversationId) !== 'degraded') {
      await this.send(conversationId, { type: 'receipt', kind: 'read', messageIds: read }, undefined, () => undefined).catch((error: unknown) =>
        this.log.warn('sending a read receipt failed', { conversationId, error }),
      );
    }
    return {};
  }

  /**
   * Refuses to send into a degraded conversation (seed 002): devices the user has not verified
   * joined it, and nothing goes to them until the user verifies them or accepts sending anyway.
   */
  private requireSendable(conversationId: string): void {
    if (verificationOf(this.device.db, conversationId) === 'degraded') throw new CoreError('conversation-degraded');
  }

  private selfDevice(): SelfDevice {
    return { user: this.selfId(), clientId: this.device.clientId };
  }

  /** Records the devices of a group just stored and reviews the conversation's verification state (in the caller's transaction). */
  private trackDevices(tx: Db, conversationId: string, members: readonly MlsMember[]): VerificationChange | undefined {
    saveGroupDevices(tx, conversationId, members);
    return reviewVerification(tx, conversationId, this.selfDevice());
  }

  /** The membership system message for a group change (see membershipMessages.ts), in the caller's transaction. */
  private recordMembers(
    tx: Db,
    conversationId: string,
    epoch: bigint,
    before: GroupBefore | undefined,
    members: readonly MlsMember[],
    committer: string | undefined,
  ): string | undefined {
    return recordMembershipChange(tx, { conversationId, epoch, before, members, committer }, this.selfDevice(), Date.now());
  }

  /** Tells the UI about a system message stored by a transaction that committed. */
  private announceMessage(conversationId: string, messageId: string | undefined): void {
    if (messageId === undefined) return;
    const message = getMessage(this.device.db, conversationId, messageId);
    if (message) this.events.emit('message.added', message);
  }

  /** Tells the UI about a verification change once its transaction committed: the system message and the conversation. */
  private announce(change: VerificationChange | undefined): void {
    if (!change) return;
    const message = getMessage(this.device.db, change.conversationId, change.messageId);
    if (message) this.events.emit('message.added', message);
    this.events.emit('conversation.changed', { id: change.conversationId });
  }

  private backfilled = false;

  /** Group devices of profiles from before verification existed are read once, on first need. */
  private ensureGroupDevices(): void {
    if (this.backfilled) return;
    const read = backfillGroupDevices(this.device.db);
    if (read > 0) this.log.info('recorded the devices of existing groups', { groups: read });
    this.backfilled = true;
  }

  /** The devices in a conversation's MLS group, with fingerprints and whether this user verified them. */
  conversationDevices(conversationId: string): { devices: ConversationDevice[] } {
    if (!conversationExists(this.device.db, conversationId)) throw new CoreError('conversation-not-found', 'There is no such conversation on this device.');
    this.ensureGroupDevices();
    return { devices: conversationDevices(this.device.db, conversationId, this.selfDevice()) };
  }

  /**
   * A user's devices: the ones the server lists, plus any still in a group with this device,
   * each with the fingerprint of the key it uses in those groups (null while no shared group
   * holds it: a server's word alone is never shown as a fingerprint).
   */
  async userDevices(user: { id: string; domain: string }): Promise<{ devices: UserDevice[] }> {
    this.ensureGroupDevices();
    const { clients } = await this.device.api.call('userClients', { params: { domain: user.domain, id: user.id } });
    const keys = knownDeviceKeys(this.device.db, qualified(user));
    const isSelf = user.id === this.device.userId && user.domain === this.device.domain;
    const listed = clients.flatMap((client): UserDevice[] => {
      const current = isSelf && client.id === this.device.clientId;
      const seen = keys.filter((k) => k.clientId === client.id);
      if (seen.length === 0) return [{ clientId: client.id, class: client.class, fingerprint: null, verified: current, current }];
      return seen.map((k) => ({ clientId: client.id, class: client.class, fingerprint: formatFingerprint(k.signatureKey), verified: current || k.verified, current }));
    });
    // Devices the server no longer lists but that are still in a group can still read: shown too.
    const unlisted = keys
      .filter((k) => !clients.some((c) => c.id === k.clientId))
      .map((k): UserDevice => ({ clientId: k.clientId, class: null, fingerprint: formatFingerprint(k.signatureKey), verified: k.verified, current: false }));
    return { devices: [...listed, ...unlisted] };
  }

  /** Marks a device verified or not (by the fingerprint the user compared) and updates every conversation it is in. */
  verifyDevice(request: Readonly<{ user: { id: string; domain: string }; clientId: string; fingerprint: string; verified: boolean }>): {
    device: { user: string; clientId: string; fingerprint: string; verified: boolean };
  } {
    this.ensureGroupDevices();
    const user = qualified(request.user);
    const { fingerprint, changes } = setDeviceVerified(
      this.device.db,
      { user, clientId: request.clientId, fingerprint: request.fingerprint, verified: request.verified },
      this.selfDevice(),
    );
    for (const change of changes) this.announce(change);
    return { device: { user, clientId: request.clientId, fingerprint, verified: request.verified } };
  }

  /** "Send anyway": a degraded conversation becomes non-verified, and sending works again. */
  acceptDegraded(conversationId: string): ConversationSummary {
    if (!conversationExists(this.device.db, conversationId)) throw new CoreError('conversation-not-found', 'There is no such conversation on this device.');
    const change = this.device.db.transaction(() => acceptDegraded(this.device.db, conversationId, this.selfDevice()))();
    this.announce(change);
    return this.summary(conversationId);
  }

  private message(conversationId: string, messageId: string): StoredMessage {
    const found = getMessage(this.device.db, conversationId, messageId);
    if (!found) throw new CoreError('message-not-found', 'There is no such message in this conversation.');
    return found;
  }

  private requireOwn(conversationId: string, messageId: string): void {
    const message = this.message(conversationId, messageId);
    if (message.sender !== this.selfId() || message.deleted || message.kind !== 'text') {
      throw new CoreError('message-not-yours', 'Only your own messages can be edited or deleted.');
    }
  }

  /**
   * Sends a message of this user: stored as `pending` (what `row` says of it, and `alsoStore`'s
   * rows) in the transaction that saves the new group state, then `sent` or `failed`; the stored
   * message is announced and returned.
   */
  private async sendOwn(
    conversationId: string,
    content: Content,
    row: (sentAt: number) => Pick<NewMessage, 'kind' | 'body'> & Partial<NewMessage>,
    alsoStore?: (tx: Db, messageId: string) => void,
  ): Promise<StoredMessage> {
    const { db } = this.device;
    const { id } = await this.send(
      conversationId,
      content,
      (tx, messageId, sentAt, encoded) => {
        insertMessage(tx, {
          id: messageId,
          conversationId,
          senderUser: this.selfId(),
          senderClient: this.device.clientId,
          content: encoded,
          sentAt,
          receivedAt: sentAt,
          status: 'pending',
          ...row(sentAt),
        });
        alsoStore?.(tx, messageId);
      },
      (messageId, ok) => setMessageStatus(db, conversationId, messageId, ok ? 'sent' : 'failed'),
    );
    const stored = this.message(conversationId, id);
    this.events.emit('message.added', stored);
    this.events.emit('conversation.changed', { id: conversationId });
    return stored;
  }

  /**
   * Sends `content` in the group's current epoch. If the server says the group has moved on
   * (409), this device catches up from its queue and encrypts the same message again.
   */
  private async send(
    conversationId: string,
    content: Content,
    storeLocally: ((tx: Db, id: string, sentAt: number, encoded: Uint8Array) => void) | undefined,
    settled: (id: string, ok: boolean) => void,
  ): Promise<{ id: string; sentAt: number }> {
    const id = randomUUID();
    const sentAt = Date.now();
    this.requireSendable(conversationId);
    const encoded = encodeContent({ v: 1, id, sentAt, content });
    await this.transmit(conversationId, id, encoded, storeLocally && ((tx) => storeLocally(tx, id, sentAt, encoded)), (ok) => settled(id, ok));
    return { id, sentAt };
  }

  /** Ids of the messages this device is sending right now (resend.ts leaves them alone). */
  private readonly sending = new Set<string>();

  /**
   * Encrypts `encoded` (a content message whose id is `id`) in the group's current epoch and
   * posts it; a 409 makes this device catch up and encrypt the same bytes again. `settled` runs
   * once, with the outcome, whatever went wrong. resend.ts calls this with a stored message's
   * content to send it again under the same id.
   */
  async transmit(conversationId: string, id: string, encoded: Uint8Array, storeLocally?: (tx: Db) => void, settled: (ok: boolean) => void = () => undefined): Promise<void> {
    this.sending.add(id);
    try {
      for (let attempt = 1; ; attempt++) {
        const sealed = await this.exclusive(async () => {
          // Checked again under the lock: a commit applied while this waited may have degraded it.
          if (verificationOf(this.device.db, conversationId) === 'degraded') throw new CoreError('conversation-degraded');
          return this.seal(conversationId, encoded, storeLocally);
        });
        const outcome = await sealed.posted;
        if (outcome.ok) break;
        const error = outcome.error;
        if (!(error instanceof ApiError && error.code === 'mls-stale-message' && attempt < 3)) throw error;
        // The group moved on: apply the newer commits from the queue (outside the lock), then
        // encrypt the same message (same id: receivers keep one copy) in the current epoch.
        await this.waitForEpoch(conversationId, error.epoch ?? 0);
      }
    } catch (error) {
      settled(false);
      this.events.emit('conversation.changed', { id: conversationId });
      throw error;
    } finally {
      this.sending.delete(id);
    }
    settled(true);
  }

  /** Per conversation, the last post started: posts leave in the order their messages were encrypted. */
  private readonly posts = new Map<string, Promise<unknown>>();

  /**
   * One attempt, under the group-state lock: encrypt with the stored group state and store the
   * new state (and the local rows) in one transaction before anything leaves — a crash never
   * reuses a ratchet step. The post itself (`posted`) runs outside the lock, so a slow or hanging
   * request holds up neither the receive path nor sends to other conversations; posts to one
   * conversation still leave one after the other, in the order they were encrypted, so an edit,
   * reaction or receipt never overtakes the message it refers to.
   */
  private async seal(
    conversationId: string,
    encoded: Uint8Array,
    storeLocally: ((tx: Db) => void) | undefined,
  ): Promise<{ posted: Promise<{ ok: true } | { ok: false; error: unknown }> }> {
    const { api, db } = this.device;
    const engine = await this.mls();
    const group = this.group(engine, conversationId);
    const encrypted = value(await engine.encrypt(group, encoded));
    const status = engine.status(encrypted.group);
    const state = engine.encodeGroupState(encrypted.group);
    db.transaction(() => {
      saveGroupState(db, conversationId, status.groupId, status.epoch, state, Date.now());
      storeLocally?.(db);
    })();
    this.decodedGroups.remember(conversationId, state, encrypted.group);
    // One key for this ciphertext, kept across the API client's retries: if the server stored a
    // post whose answer was lost, the retry is answered without a second delivery (issue 12).
    const idempotencyKey = randomBytes(16).toString('base64url');
    const post = async (): Promise<{ ok: true } | { ok: false; error: unknown }> => {
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

  /**
   * Works out what a conversation notification does, without writing anything yet. Returns
   * undefined for notifications that need nothing stored.
   */
  async prepare(notification: Notification, received: ReceivedGroups): Promise<PreparedEffect | undefined> {
    const event = notification.event;
    switch (event.type) {
      case 'conversation.mls-welcome':
        return this.prepareWelcome(event.conversation.id, fromBase64(event.data));
      case 'conversation.mls-message-add':
        if (event.from.id === this.device.userId && event.fromClient === this.device.clientId) return undefined;
        return this.prepareMessage(notification, event.conversation.id, fromBase64(event.data), received);
      case 'conversation.member-leave':
        return this.prepareMemberLeave(notification, event);
      case 'conversation.mls-client-gone':
        return this.prepareDeviceGone(event.conversation.id, { userId: event.user.id, domain: event.user.domain, clientId: event.client });
      // Roles decide who may remove others' devices (commitRules.ts): kept current like the members.
      case 'conversation.member-join':
      case 'conversation.member-update':
      case 'conversation.rename':
      case 'conversation.message-timer-update':
        return this.prepareRefresh(event.conversation.id);
      default:
        return undefined;
    }
  }

  private async prepareWelcome(conversationId: string, welcome: Uint8Array): Promise<PreparedEffect | undefined> {
    const { db, api } = this.device;
    const engine = await this.mls();
    const refs = value(engine.welcomeKeyPackageRefs(welcome));
    const find = db.prepare('SELECT data FROM mls_key_packages WHERE ref = ?').pluck();
    const match = refs.map((ref) => ({ ref, data: find.get(ref) })).find((r): r is { ref: Uint8Array; data: Uint8Array } => r.data instanceof Uint8Array);
    if (!match) {
      this.log.warn('a Welcome named none of our key packages; ignored', { conversationId });
      return undefined;
    }
    const group = value(await engine.joinFromWelcome(welcome, match.data));
    const held: unknown = db.prepare('SELECT epoch FROM mls_groups WHERE conversation_id = ?').pluck().get(conversationId);
    if (typeof held === 'number' && held >= Number(engine.status(group).epoch)) {
      // This device rejoined by external commit after the Welcome was sent (resync.ts): keep the newer group.
      this.log.info('a Welcome older than the group this device holds; ignored', { conversationId });
      return undefined;
    }
    const conversation: Conversation = await api.call('getConversation', { params: { conv: conversationId } });
    const profiles = await this.profiles(conversation);
    const status = engine.status(group);
    const state = engine.encodeGroupState(group);
    const members = engine.members(group);
    let change: VerificationChange | undefined;
    let said: string | undefined;
    return {
      write: (tx) => {
        const now = Date.now();
        saveConversation(tx, conversation, now);
        for (const p of profiles) saveUserProfile(tx, p.user, p.name, p.handle, now);
        saveGroupState(tx, conversationId, status.groupId, status.epoch, state, now);
        tx.prepare('DELETE FROM mls_key_packages WHERE ref = ?').run(match.ref);
        // A user's further device joins by external commit, never by Welcome, so a Welcome means
        // this user was added — to an existing group when it is past the creator's first commit
        // (epoch 1, which brings in everyone the conversation was created with: not announced).
        if (status.epoch > 1n) said = recordOwnMembership(tx, conversationId, `welcome-${status.epoch}`, { kind: 'added' }, this.selfDevice(), now);
        change = this.trackDevices(tx, conversationId, members);
      },
      after: () => {
        this.announceMessage(conversationId, said);
        this.announce(change);
        this.events.emit('conversation.changed', { id: conversationId });
      },
    };
  }

  private async prepareMessage(
    notification: Notification,
    conversationId: string,
    bytes: Uint8Array,
    received: ReceivedGroups,
  ): Promise<PreparedEffect | undefined> {
    const { db } = this.device;
    // The state the previous message of this transaction left (its conversation exists, then), else the stored one.
    const carried = received.get(conversationId);
    if (carried === undefined && !conversationExists(db, conversationId)) return undefined;
    const engine = await this.mls();
    const group = carried ?? this.group(engine, conversationId);
    const event = notification.event;
    const from = event.type === 'conversation.mls-message-add' ? event : undefined;
    const poster: Poster | undefined = from ? { userId: from.from.id, domain: from.from.domain, clientId: from.fromClient } : undefined;
    let refusal: ChangeRefusal | undefined;
    const review = poster ? changeReview(this.device, conversationId, poster, (r) => (refusal = r)) : undefined;
    const inbound = await engine.processMessage(group, bytes, review);
    const receivedAt = Date.now();
    if (!inbound.ok) {
      if (inbound.error.code === 'mls-duplicate') return undefined;
      if (inbound.error.code === 'mls-commit-refused' && poster) {
        // Not adopted: the group stays as it was (issue 11). The line says so; the log has the rule's code.
        const refused = refusal ?? { code: 'change-sender-mismatch' as const, reason: 'it broke the rules of this conversation' };
        this.log.warn('a change to the conversation was refused', { conversationId, code: refused.code });
        return this.systemLine((tx) => recordRefusedChange(tx, conversationId, String(notification.id), poster, refused, this.selfDevice(), receivedAt), conversationId);
      }
      this.log.warn('a message could not be decrypted', { conversationId, code: inbound.error.code });
      const message = {
        id: `undecryptable-${notification.id}`,
        conversationId,
        senderUser: from ? qualified(from.from) : '',
        senderClient: from?.fromClient ?? '',
        kind: 'undecryptable' as const,
        body: null,
        content: null,
        sentAt: Date.parse(notification.time),
        receivedAt,
        status: 'received' as const,
      };
      return this.storeMessage(message);
    }
    const result = inbound.value;
    const status = engine.status(result.group);
    // Stored once for the whole transaction, with the messages (receivedGroups.ts).
    received.advance(conversationId, result.group, receivedAt, engine);
    if (result.kind !== 'application') {
      const removedSelf = result.kind === 'commit' && result.selfRemoved;
      // A commit may add devices (or change a device's key): the verification state is reviewed.
      const members = result.kind === 'commit' && !removedSelf ? engine.members(result.group) : undefined;
      const committer = result.kind === 'commit' && result.committer ? qualified({ id: result.committer.userId, domain: result.committer.domain }) : undefined;
      let change: VerificationChange | undefined;
      let said: string | undefined;
      return {
        write: (tx) => {
          if (removedSelf) tx.prepare('UPDATE conversations SET left_at = ? WHERE id = ?').run(receivedAt, conversationId);
          if (members) {
            said = this.recordMembers(tx, conversationId, status.epoch, groupBefore(tx, conversationId), members, committer);
            change = this.trackDevices(tx, conversationId, members);
          }
        },
        after: () => {
          this.announceMessage(conversationId, said);
          this.announce(change);
          this.events.emit('conversation.changed', { id: conversationId });
        },
      };
    }
    if (poster && !sentByPoster(result.sender, poster)) {
      // The leaf's credential names another device than the one the server says posted it: a
      // member posting with a leaf that claims to be someone else (issue 11). Never stored as theirs.
      this.log.warn('a message whose sender could not be authenticated was dropped', { conversationId, code: 'mls-sender-mismatch' });
      const claimed = result.sender;
      return this.systemLine((tx) => recordForgedMessage(tx, conversationId, String(notification.id), claimed, this.selfDevice(), receivedAt), conversationId);
    }
    const content = decodeContent(result.plaintext);
    const sender = qualified({ id: result.sender.userId, domain: result.sender.domain });
    if (!content.ok) {
      return this.storeMessage(
        {
          id: `unreadable-${notification.id}`,
          conversationId,
          senderUser: sender,
          senderClient: result.sender.clientId,
          kind: 'undecryptable',
          body: null,
          content: null,
          sentAt: Date.parse(notification.time),
          receivedAt,
          status: 'received',
        },
      );
    }
    const message = content.value;
    const ephemeral = message.content.type === 'ephemeral' ? message.content : undefined;
    const body = ephemeral ? ephemeral.content : message.content;
    if (body.type === 'edit' || body.type === 'delete' || body.type === 'reaction') {
      const target = body.type === 'edit' ? body.replacingId : body.messageId;
      let changed = false;
      return {
        write: (tx) => {
          if (body.type === 'edit') {
            const mentions = memberMentions(tx, conversationId, body.mentions, this.selfId());
            changed = applyEdit(tx, conversationId, target, sender, body.text, message.sentAt, mentions);
          }
          else if (body.type === 'delete') changed = applyDelete(tx, conversationId, target, sender, receivedAt);
          else {
            applyReaction(tx, conversationId, target, sender, body.emoji, message.sentAt);
            changed = true;
          }
        },
        after: () => {
          if (!changed) return;
          const updated = getMessage(this.device.db, conversationId, target);
          if (updated) this.events.emit('message.updated', updated);
          this.events.emit('conversation.changed', { id: conversationId });
        },
      };
    }
    if (body.type === 'asset') {
      const effect = this.storeMessage(
        {
          id: message.id,
          conversationId,
          senderUser: sender,
          senderClient: result.sender.clientId,
          kind: 'asset',
          body: body.name,
          content: result.plaintext,
          sentAt: message.sentAt,
          receivedAt,
          status: 'received',
        },
      );
      return {
        write: (tx) => {
          effect.write(tx);
          saveAsset(tx, { ...body, conversationId, messageId: message.id, localPath: null });
        },
        after: effect.after,
      };
    }
    if (body.type === 'receipt') {
      // Read receipts are mutual (as in Signal): with sending them off, others' are not kept either.
      // Receipts from this user's other devices say nothing to show.
      const keep = (body.kind !== 'read' || readPreferences(db).sendReadReceipts) && sender !== this.selfId();
      let changed: string[] = [];
      return {
        write: (tx) => {
          if (keep) changed = saveReceipts(tx, conversationId, body.messageIds, sender, body.kind, receivedAt, this.selfId());
        },
        after: () => {
          for (const id of changed) {
            const updated = getMessage(this.device.db, conversationId, id);
            if (updated) this.events.emit('message.updated', updated);
          }
        },
      };
    }
    if (body.type === 'typing') {
      return {
        write: () => undefined,
        after: () => {
          // Stale typing news (a queue replayed after being offline) is not worth showing; with
          // typing indicators off, others' are not shown either (as in Signal).
          if (Date.now() - message.sentAt >= 30_000 || !readPreferencesThisTurn(this.device.db).sendTypingIndicators) return;
          this.events.emit('typing', { conversationId, user: sender, state: body.state });
        },
      };
    }
    if (body.type === 'knock') {
      return this.storeMessage(
        {
          id: message.id,
          conversationId,
          senderUser: sender,
          senderClient: result.sender.clientId,
          kind: 'knock',
          body: null,
          content: result.plaintext,
          sentAt: message.sentAt,
          receivedAt,
          status: 'received',
          ...(ephemeral ? { timerMs: ephemeral.expireAfterMs } : {}),
        },
      );
    }
    if (body.type === 'hide') {
      // Only the user's own devices may hide messages here (the MLS sender is authenticated).
      const own = sender === this.selfId();
      let hidden = false;
      return {
        write: (tx) => {
          if (own) hidden = hideMessage(tx, body.conversationId, body.messageId, receivedAt, true);
        },
        after: () => {
          if (!hidden) return;
          this.events.emit('message.hidden', { conversationId: body.conversationId, messageId: body.messageId });
          this.events.emit('conversation.changed', { id: body.conversationId });
        },
      };
    }
    if (body.type !== 'text') {
      return { write: () => undefined, after: () => undefined };
    }
    const effect = this.storeMessage(
      {
        id: message.id,
        conversationId,
        senderUser: sender,
        senderClient: result.sender.clientId,
        kind: 'text',
        body: body.text,
        content: result.plaintext,
        sentAt: message.sentAt,
        receivedAt,
        status: 'received',
        ...(ephemeral ? { timerMs: ephemeral.expireAfterMs } : {}),
        ...(body.quote ? { quote: { messageId: body.quote.messageId, textHash: body.quote.textHash ?? null } } : {}),
      },
      // Mentions are checked against the members as stored in the same transaction.
      (tx) => memberMentions(tx, conversationId, body.mentions, this.selfId()),
    );
    return effect;
  }

  /** A system line written in the notification's transaction (`write` returns its id if it was new), announced after. */
  private systemLine(write: (tx: Db) => string | undefined, conversationId: string): PreparedEffect {
    let said: string | undefined;
    return {
      write: (tx) => {
        said = write(tx);
      },
      after: () => {
        this.announceMessage(conversationId, said);
        this.events.emit('conversation.changed', { id: conversationId });
      },
    };
  }

  private storeMessage(message: NewMessage, mentions?: (tx: Db) => CheckedMentions): PreparedEffect {
    const fromOthers = message.status === 'received' && (message.kind === 'text' || message.kind === 'asset' || message.kind === 'knock');
    // Someone else's message is owed a delivery receipt, noted in the transaction that stores it.
    const owesReceipt = fromOthers && message.senderUser !== this.selfId();
    const item = new MessageToStore(message, fromOthers, mentions, owesReceipt ? (tx) => this.outbox.noteDelivered(tx, message.conversationId, message.id, message.receivedAt) : undefined);
    return {
      message: item,
      write: (tx) => storeMessages(tx, [item]),
      after: () => {
        if (!item.added) return;
        const stored = getMessage(this.device.db, message.conversationId, message.id);
        if (stored) {
          this.events.emit('message.added', stored);
          if (fromOthers) this.notify(stored);
          if (owesReceipt) this.outbox.receiptsNoted();
        }
        this.events.emit('conversation.changed', { id: message.conversationId });
      },
    };
  }

  /**
   * Asks the shell for a desktop notification: who wrote where, and what, as far as the user's
   * preferences allow; none for a muted conversation — unless the message mentions this user
   * (Signal's "notify for mentions" default) — or with notifications turned off. (While the app
   * is locked no message is received at all: locking stops the notification stream first.)
   */
  private notify(message: StoredMessage): void {
    const { db } = this.device;
    // Once per received batch, not once per message.
    const preferences = readPreferencesThisTurn(db);
    if (!preferences.desktopNotifications || (isMuted(db, message.conversationId) && !message.mentionsMe)) return;
    let title = 'Cairn';
    let body = 'New message';
    if (preferences.notificationContent !== 'nothing') {
      // One row, not the whole conversation list with its counts: this runs for every message.
      const name = groupName(db, message.conversationId);
      const sender = message.senderName ?? 'Someone';
      title = name ? `${sender} in ${name}` : sender;
    }
    if (preferences.notificationContent === 'name-and-message') {
      body =
        message.kind === 'asset' ? `Sent a file: ${message.asset?.name ?? ''}` : message.kind === 'knock' ? 'Sent a ping.' : (message.text ?? '');
    }
    this.events.emit('notify', { conversationId: message.conversationId, title: title.slice(0, 256), body: body.slice(0, 512) });
  }

  /** Mutes a conversation until `until` (epoch ms, in the future) or unmutes it (null). */
  setMuted(conversationId: string, until: number | null): ConversationSummary {
    if (until !== null && until <= Date.now()) {
      throw new CoreError('ipc-invalid-request', 'A mute must end in the future. To unmute, send null. Nothing was changed.');
    }
    if (!setMutedUntil(this.device.db, conversationId, until)) throw new CoreError('conversation-not-found', 'There is no such conversation on this device.');
    this.events.emit('conversation.changed', { id: conversationId });
    return this.summary(conversationId);
  }

  /** Archives a conversation (out of the main list) or brings it back. */
  setArchived(conversationId: string, archived: boolean): ConversationSummary {
    if (!setArchived(this.device.db, conversationId, archived)) throw new CoreError('conversation-not-found', 'There is no such conversation on this device.');
    this.events.emit('conversation.changed', { id: conversationId });
    return this.summary(conversationId);
  }

  /**
   * Someone left or was removed. The member list is read again; a user who left on their own is
   * noted (the commit removing their devices then says "Bob left.") and this device tries to
   * commit that removal, so a leaver cannot read what is sent afterwards. An admin's removal is
   * committed by the admin. If this user was removed, that is said here: the commit removing this
   * device is sent only to those who stay.
   */
  private async prepareMemberLeave(
    notification: Notification,
    event: Readonly<{ conversation: { id: string }; from: { id: string; domain: string }; users: ReadonlyArray<{ id: string; domain: string }> }>,
  ): Promise<PreparedEffect | undefined> {
    const conversationId = event.conversation.id;
    const refresh = await this.prepareRefresh(conversationId);
    if (!refresh) return undefined;
    const self = this.selfId();
    const actor = qualified(event.from);
    const users = event.users.map(qualified);
    const departed = users.filter((u) => u === actor && u !== self);
    const removedSelf = users.includes(self) && actor !== self;
    let said: string | undefined;
    return {
      write: (tx) => {
        refresh.write(tx);
        const now = Date.now();
        for (const user of departed) recordDeparture(tx, conversationId, user, now);
        if (removedSelf) said = recordOwnMembership(tx, conversationId, `removed-${notification.id}`, { kind: 'removed', by: actor }, this.selfDevice(), now);
      },
      after: () => {
        refresh.after();
        this.announceMessage(conversationId, said);
        if (departed.length > 0) {
          // Queued behind the notification being applied; never awaited inside it.
          this.removeDeparted(conversationId).catch((error: unknown) => this.log.warn('removing the devices of a member who left failed', { conversationId, error }));
        }
      },
    };
  }

  /**
   * Commits the removal of every device whose user is no longer a member (as this device last
   * read the member list). Several members may try at once: the server takes one commit per
   * epoch, and the others find nothing left to remove once they caught up.
   */
  private async removeDeparted(conversationId: string): Promise<void> {
    const { db } = this.device;
    const self = this.selfId();
    const isStale = (engine: MlsEngine, group: MlsGroup): MlsMember[] => {
      const left: unknown = db.prepare('SELECT left_at FROM conversations WHERE id = ?').pluck().get(conversationId);
      if (left !== null) return [];
      const members = new Set(listMembers(db, conversationId).map((m) => m.id));
      if (!members.has(self)) return [];
      return engine.members(group).filter((m) => !members.has(qualified({ id: m.identity.userId, domain: m.identity.domain })));
    };
    await this.commit(
      conversationId,
      (engine, group) => {
        const stale = isStale(engine, group);
        return stale.length === 0 ? undefined : engine.removeMembers(group, stale.map((m) => m.identity));
      },
      (output) => ({ adds: [], removes: output.removed.map((r) => ({ user: { id: r.userId, domain: r.domain }, client: r.clientId })) }),
    );
  }

  /**
   * A device was deleted from its account (the server's `mls-client-gone`), but its leaf is still
   * in the group: until someone commits its removal, everything sent is still encrypted to it.
   * Nothing is stored; afterwards this device tries to commit the removal (the server and every
   * device accept it from any member once the device is unregistered: mlsPlans.ts, commitRules.ts
   * rule 7).
   */
  private prepareDeviceGone(conversationId: string, device: MlsClientIdentity): PreparedEffect | undefined {
    const held: unknown = this.device.db.prepare('SELECT 1 FROM mls_groups WHERE conversation_id = ?').pluck().get(conversationId);
    if (held === undefined) return undefined;
    return {
      write: () => undefined,
      // Queued behind the notification being applied; never awaited inside it.
      after: () => {
        this.removeGoneDevice(conversationId, device).catch((error: unknown) => this.log.warn('removing a deleted device from a group failed', { conversationId, error }));
      },
    };
  }

  /**
   * Commits the removal of a deleted device's leaf. Every member's device is told and tries; the
   * server takes one commit per epoch, the others get a 409, catch up, and then find the leaf
   * already gone and commit nothing (as does a notification replayed after a restart).
   */
  private async removeGoneDevice(conversationId: string, device: MlsClientIdentity): Promise<void> {
    const { db } = this.device;
    await this.commit(
      conversationId,
      (engine, group) => {
        const left: unknown = db.prepare('SELECT left_at FROM conversations WHERE id = ?').pluck().get(conversationId);
        if (left !== null) return undefined;
        const leaves = engine.members(group).filter((m) => sameClient(m.identity, device));
        return leaves.length === 0 ? undefined : engine.removeMembers(group, leaves.map((m) => m.identity));
      },
      (output) => ({ adds: [], removes: output.removed.map((r) => ({ user: { id: r.userId, domain: r.domain }, client: r.clientId })) }),
    );
  }

  private async prepareRefresh(conversationId: string): Promise<PreparedEffect | undefined> {
    if (!conversationExists(this.device.db, conversationId)) return undefined;
    try {
      const conversation = await this.device.api.call('getConversation', { params: { conv: conversationId } });
      const profiles = await this.profiles(conversation);
      return {
        write: (tx) => {
          saveConversation(tx, conversation, Date.now());
          for (const p of profiles) saveUserProfile(tx, p.user, p.name, p.handle, Date.now());
        },
        after: () => this.events.emit('conversation.changed', { id: conversationId }),
      };
    } catch (error) {
      // Removed from the conversation: the server no longer shows it to us.
      this.log.info('conversation no longer visible; marking it left', { conversationId, error });
      return {
        write: (tx) => tx.prepare('UPDATE conversations SET left_at = ? WHERE id = ?').run(Date.now(), conversationId),
        after: () => this.events.emit('conversation.changed', { id: conversationId }),
      };
    }
  }

  /** Display names of a conversation's members (best effort: a missing profile is skipped). */
  private async profiles(conversation: Conversation) {
    const found = await Promise.all(
      conversation.members.map(async (member) => {
        try {
          const profile = await this.device.api.call('getUser', { params: { domain: member.user.domain, id: member.user.id } });
          return [{ user: member.user, name: profile.name, handle: profile.handle }];
        } catch {
          return [];
        }
      }),
    );
    return found.flat();
  }

  /** One key package per device of each user, checked to belong to the device the server named. */
  private async claimKeyPackages(users: ReadonlyArray<{ id: string; domain: string }>) {
    const engine = await this.mls();
    const packages: Uint8Array[] = [];
    const adds: Array<{ user: { id: string; domain: string }; client: string }> = [];
    for (const user of users) {
      const { keyPackages } = await this.device.api.call('claimKeyPackages', {
        params: { domain: user.domain, id: user.id },
        query: { ciphersuite: DEFAULT_MLS_SUITE },
      });
      for (const claimed of keyPackages) {
        if (claimed.user.id === this.device.userId && claimed.client === this.device.clientId) continue;
        const bytes = fromBase64(claimed.keyPackage);
        const info = engine.inspectKeyPackage(bytes);
        if (!info.ok || info.value.identity.userId !== claimed.user.id || info.value.identity.clientId !== claimed.client) {
          this.log.warn('a claimed key package does not belong to the device it was claimed for; skipped', { client: claimed.client });
          continue;
        }
        packages.push(bytes);
        adds.push({ user: claimed.user, client: claimed.client });
      }
    }
    return { packages, adds };
  }

  private group(engine: MlsEngine, conversationId: string): MlsGroup {
    const state = this.decodedGroups.load(this.device.db, engine, conversationId);
    if (!state) throw new CoreError('conversation-not-joined', 'This device is not (yet) in the conversation.');
    return value(state);
  }

  private mls(): Promise<MlsEngine> {
    this.engine ??= (async () => {
      const bytes: unknown = this.device.db.prepare('SELECT data FROM mls_signers WHERE suite = ?').pluck().get(DEFAULT_MLS_SUITE);
      if (!(bytes instanceof Uint8Array)) throw new CoreError('device-not-registered', 'This device has no MLS key yet.');
      const signer = value(decodeSigner(bytes));
      return value(await createMlsEngine(signer));
    })();
    return this.engine;
  }
}
