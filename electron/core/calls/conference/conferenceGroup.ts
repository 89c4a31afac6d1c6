/**
 * One conference call's MLS group as this device takes part in it (issue 14): created or joined
 * by external commit through the server's subconversation routes, kept in memory only (a device
 * that restarts joins again: it must never get keys of a time it was not in the call), advanced
 * by the commits the server delivers (`receive`), and left with `leave`.
 *
 * What it gives the call: the SFrame base key of each epoch (`currentKey`, `onKey`), exported as
 * MLS-Exporter("SFrame 1.0 Base Key", the call group's id, 32) (RFC 9605 §5.2, callKeys.ts) with
 * this device's leaf as its sender index, and when the epoch began (the start of its 30 s ratchet
 * schedule, keySchedule.ts). As the key generator (lowest leaf, keySchedule.ts) it commits the
 * removal of every device that left, was reported gone or stopped answering.
 *
 * Contract: every change to the group runs in one queue, in the order called; a failed commit
 * leaves the group as it was. Errors come back as result values with a stable code.
 */
import type { Result } from '../../../../protocol/result';
import { err, ok } from '../../../../protocol/result';
import type { CallBaseKey } from '../../crypto/mls/callKeys';
import type { MlsChangeReview } from '../../crypto/mls/incomingChange';
import type { MlsEngine } from '../../crypto/mls/mlsEngine';
import type { MlsGroup } from '../../crypto/mls/mlsGroup';
import type { MlsClientIdentity } from '../../crypto/mls/mlsIdentity';
import { sameClient } from '../../crypto/mls/mlsIdentity';
import type { Logger } from '../../log';
import type { ApiClient } from '../../net/apiClient';
import type { CallGroupEvent } from '../../receive/handlers/callGroupEvent';
import { CallGroupServer } from './callGroupServer';
import type { CallPeer } from './keySchedule';
import { keyGenerator, removalsDue, SILENCE_LIMIT_MS } from './keySchedule';

export type ConferenceDeps = Readonly<{
  api: ApiClient;
  engine: MlsEngine;
  log: Logger;
  /** Checks every commit before it is adopted (callGroupReview.ts). */
  review: MlsChangeReview;
  now?: () => number;
  silenceLimitMs?: number;
}>;

/** The frame worker's key for one epoch, and when the epoch began on the server's clock. */
export type ConferenceKey = CallBaseKey & Readonly<{ epochStartedAt: number }>;

export type ConferenceState = 'in-call' | 'removed' | 'left';

type PeerFlags = { saidLeft: boolean; goneFromSfu: boolean; lastHeardAt: number | undefined };

/** How often a join is tried again when another commit got in first (409). */
const JOIN_ATTEMPTS = 5;

export class ConferenceGroup {
  #group: MlsGroup;
  #epochStartedAt: number;
  #state: ConferenceState = 'in-call';
  #queue: Promise<unknown> = Promise.resolve();
  readonly #flags = new Map<number, PeerFlags>();
  readonly #keyListeners = new Set<(key: ConferenceKey) => void>();
  readonly #server: CallGroupServer;

  private constructor(
    private readonly deps: ConferenceDeps,
    readonly conversationId: string,
    readonly callGroupId: string,
    group: MlsGroup,
    epochStartedAt: number,
  ) {
    this.#group = group;
    this.#epochStartedAt = epochStartedAt;
    this.#server = new CallGroupServer(deps.api, conversationId, callGroupId);
  }

  /** Creates the call group of a new conference and commits once, so its GroupInfo is on the server for joiners (epoch 1). */
  static async create(deps: ConferenceDeps, conversationId: string): Promise<Result<ConferenceGroup>> {
    const created = await CallGroupServer.create(deps.api, conversationId, deps.engine.suite);
    if (!created.ok) return created;
    const group = await deps.engine.createGroup(new Uint8Array(Buffer.from(created.value.groupId, 'base64')));
    if (!group.ok) return group;
    const first = await deps.engine.selfUpdate(group.value);
    if (!first.ok) return first;
    const server = new CallGroupServer(deps.api, conversationId, created.value.id);
    const posted = await server.postCommit(first.value, []);
    if (!posted.ok) return posted;
    return ok(new ConferenceGroup(deps, conversationId, created.value.id, first.value.group, posted.value.startedAt));
  }

  /** Joins a running conference by external commit: its first key is of the epoch its own commit begins. */
  static async join(deps: ConferenceDeps, conversationId: string, callGroupId: string): Promise<Result<ConferenceGroup>> {
    const server = new CallGroupServer(deps.api, conversationId, callGroupId);
    for (let attempt = 1; ; attempt += 1) {
      const info = await server.groupInfo();
      if (!info.ok) return info;
      const joined = await deps.engine.joinByExternalCommit(info.value);
      if (!joined.ok) return joined;
      const posted = await server.postCommit(joined.value, [deps.engine.identity]);
      if (posted.ok) return ok(new ConferenceGroup(deps, conversationId, callGroupId, joined.value.group, posted.value.startedAt));
      // Another commit got in first: read the newer GroupInfo and try again.
      if (posted.error.code !== 'mls-stale-message' || attempt >= JOIN_ATTEMPTS) return posted;
    }
  }

  get state(): ConferenceState {
    return this.#state;
  }

  get epoch(): number {
    return Number(this.deps.engine.status(this.#group).epoch);
  }

  get selfLeaf(): number {
    return this.#group.state.privatePath.leafIndex;
  }

  /** The devices in the call group by leaf, as this device's group state has them. */
  members(): ReadonlyMap<number, MlsClientIdentity> {
    return new Map(this.deps.engine.members(this.#group).map((member) => [member.leafIndex, member.identity]));
  }

  /** The leaf of the current key generator (keySchedule.ts). */
  keyGeneratorLeaf(): number | undefined {
    return keyGenerator(this.#peers(), this.#now(), this.deps.silenceLimitMs ?? SILENCE_LIMIT_MS);
  }

  /** The SFrame base key of the current epoch; none once this device is out of the call. */
  async currentKey(): Promise<Result<ConferenceKey>> {
    if (this.#state !== 'in-call') return err('call-not-joined', 'This device is no longer in the call.');
    const key = await this.deps.engine.callBaseKey(this.#group, this.callGroupId);
    return key.ok ? ok({ ...key.value, epochStartedAt: this.#epochStartedAt }) : key;
  }

  /** Called with every new epoch's key (after a commit), never with MLS state. Returns the unsubscribe function. */
  onKey(listener: (key: ConferenceKey) => void): () => void {
    this.#keyListeners.add(listener);
    return () => this.#keyListeners.delete(listener);
  }

  /** A call group event from the server (`time`: when the server stored it). */
  receive(event: CallGroupEvent, time: string): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#state !== 'in-call' || event.subconv !== this.callGroupId) return;
      switch (event.type) {
        case 'conversation.subconv-mls-message-add':
          await this.#applyCommit(new Uint8Array(Buffer.from(event.data, 'base64')), Date.parse(time));
          break;
        case 'conversation.subconv-leave':
          this.#mark({ userId: event.user.id, domain: event.user.domain, clientId: event.client }, (flags) => {
            flags.saidLeft = true;
          });
          break;
      }
      await this.#removeDeparted();
    });
  }

  /** The SFU says this device's feed is gone. */
  reportGone(device: MlsClientIdentity): Promise<void> {
    return this.#enqueue(async () => {
      this.#mark(device, (flags) => {
        flags.goneFromSfu = true;
      });
      await this.#removeDeparted();
    });
  }

  /** Media or signalling arrived from this device (it still answers). */
  heardFrom(device: MlsClientIdentity, at: number): void {
    this.#mark(device, (flags) => {
      flags.lastHeardAt = Math.max(flags.lastHeardAt ?? at, at);
    });
  }

  /** Looks for devices that stopped answering; as key generator, commits their removal. Run it every few seconds during a call. */
  tick(): Promise<void> {
    return this.#enqueue(() => this.#removeDeparted());
  }

  /** Leaves the call: the server tells the others (the key generator removes this device) and this device forgets the group. */
  leave(): Promise<Result<true>> {
    return this.#enqueue(async () => {
      if (this.#state !== 'in-call') return ok(true as const);
      this.#state = 'left';
      this.#keyListeners.clear();
      return this.#server.leave();
    });
  }

  #now(): number {
    return (this.deps.now ?? Date.now)();
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch((error: unknown) => this.deps.log.warn('a call group change failed', { callGroupId: this.callGroupId, error }));
    return run;
  }

  #peers(): readonly CallPeer[] {
    return this.deps.engine.members(this.#group).map((member) => {
      const flags = this.#flags.get(member.leafIndex);
      return { leafIndex: member.leafIndex, saidLeft: flags?.saidLeft ?? false, goneFromSfu: flags?.goneFromSfu ?? false, lastHeardAt: flags?.lastHeardAt };
    });
  }

  #mark(device: MlsClientIdentity, change: (flags: PeerFlags) => void): void {
    const member = this.deps.engine.members(this.#group).find((candidate) => sameClient(candidate.identity, device));
    if (member === undefined) return;
    const flags = this.#flags.get(member.leafIndex) ?? { saidLeft: false, goneFromSfu: false, lastHeardAt: undefined };
    change(flags);
    this.#flags.set(member.leafIndex, flags);
  }

  async #applyCommit(message: Uint8Array, at: number): Promise<void> {
    const before = this.members();
    const processed = await this.deps.engine.processMessage(this.#group, message, this.deps.review);
    if (!processed.ok) {
      this.deps.log.warn('a call group commit was not applied', { callGroupId: this.callGroupId, code: processed.error.code });
      return;
    }
    const inbound = processed.value;
    if (inbound.kind !== 'commit') return;
    this.#group = inbound.group;
    this.#epochStartedAt = at;
    // Flags belong to the device that had the leaf: a leaf emptied, taken by another device or
    // rejoined (external commit replacing the device's own leaf) starts afresh.
    const after = this.members();
    const rejoined = (device: MlsClientIdentity): boolean => inbound.added.some((added) => sameClient(added, device));
    for (const leaf of [...this.#flags.keys()]) {
      const was = before.get(leaf);
      const now = after.get(leaf);
      if (was === undefined || now === undefined || !sameClient(was, now) || rejoined(now)) this.#flags.delete(leaf);
    }
    if (inbound.selfRemoved) {
      this.#state = 'removed';
      this.#keyListeners.clear();
      return;
    }
    await this.#announceKey();
  }

  async #announceKey(): Promise<void> {
    if (this.#keyListeners.size === 0) return;
    const key = await this.currentKey();
    if (!key.ok) return;
    for (const listener of this.#keyListeners) listener(key.value);
  }

  /** As key generator: one commit removing every departed device (a new epoch key for those who stay). */
  async #removeDeparted(): Promise<void> {
    if (this.#state !== 'in-call') return;
    const due = removalsDue(this.selfLeaf, this.#peers(), this.#now(), this.deps.silenceLimitMs ?? SILENCE_LIMIT_MS);
    if (due.length === 0) return;
    const members = this.members();
    const devices = due.flatMap((leaf) => members.get(leaf) ?? []);
    const removal = await this.deps.engine.removeMembers(this.#group, devices);
    if (!removal.ok) {
      this.deps.log.warn('the key generator could not build a removal', { callGroupId: this.callGroupId, code: removal.error.code });
      return;
    }
    const posted = await this.#server.postCommit(removal.value, [], devices);
    // A stale epoch means another commit is on its way here: the removal is tried again after it.
    if (!posted.ok) {
      this.deps.log.info('the removal commit was not accepted yet', { callGroupId: this.callGroupId, code: posted.error.code });
      return;
    }
    this.#group = removal.value.group;
    this.#epochStartedAt = posted.value.startedAt;
    for (const leaf of due) this.#flags.delete(leaf);
    await this.#announceKey();
  }
}
