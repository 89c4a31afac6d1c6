/**
 * The MLS side of the session: the engine, the group-state lock, commits and external joins.
 *
 * Every read-modify-write of a stored group state (sending, committing, applying a
 * notification) runs under `exclusive`, so a send and a receive can never both start from the
 * same stored state and overwrite each other's ratchet progress. A commit is adopted only after
 * the server accepted it (201); a 409 leaves the old state, and the device waits (outside the
 * lock) until its queue brought the newer epoch, then builds the commit again.
 */
import type { Conversation } from '../../../protocol/api/conversations';
import type { Result } from '../../../protocol/result';
import { DEFAULT_MLS_SUITE } from '../crypto/mls/cipherSuites';
import type { MlsCommitOutput } from '../crypto/mls/engineContext';
import type { MlsEngine } from '../crypto/mls/mlsEngine';
import { createMlsEngine } from '../crypto/mls/mlsEngine';
import type { MlsGroup } from '../crypto/mls/mlsGroup';
import { decodeSigner } from '../crypto/mls/mlsSigner';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import { ApiError } from '../net/apiError';
import type { WritableDB } from '../store/handles';
import { saveConversation } from '../store/conversations';
import { saveUserProfile } from '../store/users';
import { groupEpoch, holdsGroup, saveGroupState } from '../store/groups';
import { mlsSigner } from '../store/device';
import { writeTransaction } from '../store/handles';
import { DecodedGroups } from '../services/decodedGroups';
import type { VerificationChange } from '../services/deviceTrust';
import { trackDevices } from '../services/deviceTrust';
import { groupBefore, recordMembershipChange } from '../services/membershipMessages';
import type { Announcer } from './announcer';
import type { DeviceContext } from './device';
import { fromBase64, selfDevice, selfId, toBase64, value } from './device';

type Device = Readonly<{ user: { id: string; domain: string }; client: string }>;

export type CommitTargets = Readonly<{ adds: readonly Device[]; removes: readonly Device[] }>;

/** A member's display name and handle, as the server gave it. */
export type Profile = Readonly<{ user: { id: string; domain: string }; name: string; handle: string | null }>;

/** The devices a commit removed, in the shape the server's commit bundle names them. */
export function removedTargets(output: MlsCommitOutput): CommitTargets {
  return { adds: [], removes: output.removed.map((r) => ({ user: { id: r.userId, domain: r.domain }, client: r.clientId })) };
}

export class GroupSession {
  private engine: Promise<MlsEngine> | undefined;
  /** Decoded group states, reused while the stored ones are unchanged (decodedGroups.ts). */
  readonly decodedGroups = new DecodedGroups();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly device: DeviceContext,
    private readonly announcer: Announcer,
    private readonly log: Logger,
  ) {}

  /** Runs `work` alone under the group-state lock (see the file comment). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The MLS engine with this device's signer, made on first use. */
  mls(): Promise<MlsEngine> {
    this.engine ??= (async () => {
      const bytes = mlsSigner(this.device.db, DEFAULT_MLS_SUITE);
      if (bytes === undefined) throw new CoreError('device-not-registered');
      const signer = value(decodeSigner(bytes));
      return value(await createMlsEngine(signer));
    })();
    return this.engine;
  }

  /** The stored group of a conversation, decoded (call under `exclusive`). */
  group(engine: MlsEngine, conversationId: string): MlsGroup {
    const state = this.decodedGroups.load(this.device.db, engine, conversationId);
    if (!state) throw new CoreError('conversation-not-joined');
    return value(state);
  }

  /** Whether this device holds a group for the conversation. */
  holds(conversationId: string): boolean {
    return holdsGroup(this.device.db, conversationId);
  }

  /** Creates the MLS group of a conversation the server just made, with every device of its members. */
  async establishGroup(conversation: Conversation, members: ReadonlyArray<{ id: string; domain: string }>): Promise<void> {
    const { api, db } = this.device;
    const engine = await this.mls();
    const group = value(await engine.createGroup(fromBase64(conversation.groupId)));
    const claimed = await this.claimKeyPackages([{ id: this.device.userId, domain: this.device.domain }, ...members]);
    const output = claimed.packages.length > 0 ? value(await engine.addMembers(group, claimed.packages)) : value(await engine.selfUpdate(group));
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
    writeTransaction(db, (tx) => {
      saveConversation(tx, conversation, now);
      for (const p of profiles) saveUserProfile(tx, p.user, p.name, p.handle, now);
      saveGroupState(tx, conversation.qualifiedId.id, fromBase64(conversation.groupId), output.epoch, engine.encodeGroupState(output.group), now);
      // Creating a conversation is no membership change to announce: its history starts here.
      change = trackDevices(tx, conversation.qualifiedId.id, engine.members(output.group), selfDevice(this.device));
    });
    this.announcer.verification(change);
    this.announcer.conversationChanged(conversation.qualifiedId.id);
  }

  /** Joins a conversation's group with an external commit from its GroupInfo (retried on 409). */
  joinByExternalCommit(conversation: Conversation): Promise<void> {
    return this.exclusive(() => this.joinByExternalCommitAlone(conversation));
  }

  /**
   * The external join itself; call under `exclusive`. A device whose leaf is still in the group
   * replaces it (it fell behind; see resync.ts). `write` adds to the transaction that stores the group.
   */
  async joinByExternalCommitAlone(conversation: Conversation, write?: (tx: WritableDB) => void): Promise<void> {
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
      writeTransaction(db, (tx) => {
        saveConversation(tx, conversation, now);
        for (const p of profiles) saveUserProfile(tx, p.user, p.name, p.handle, now);
        saveGroupState(tx, id, status.groupId, output.epoch, engine.encodeGroupState(output.group), now);
        change = trackDevices(tx, id, engine.members(output.group), selfDevice(this.device));
        write?.(tx);
      });
      this.announcer.verification(change);
      this.announcer.conversationChanged(id);
      return;
    }
  }

  /**
   * Builds a commit on the current group, posts it, and adopts the new state only once the
   * server accepted it. `build` returning undefined means nothing (is left) to commit: another
   * device's commit did it meanwhile.
   */
  async commit(
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
              adds: [...adds],
              removes: [...removes],
            },
          });
        } catch (error) {
          if (error instanceof ApiError && error.code === 'mls-stale-message' && attempt < 3) return { staleAt: error.epoch ?? 0 };
          throw error;
        }
        const status = engine.status(output.group);
        let said: string | undefined;
        const change = writeTransaction(db, (tx) => {
          saveGroupState(tx, conversationId, status.groupId, output.epoch, engine.encodeGroupState(output.group), Date.now());
          const members = engine.members(output.group);
          const before = groupBefore(tx, conversationId);
          said = recordMembershipChange(tx, { conversationId, epoch: output.epoch, before, members, committer: selfId(this.device) }, selfDevice(this.device), Date.now());
          return trackDevices(tx, conversationId, members, selfDevice(this.device));
        });
        this.announcer.messageAdded(conversationId, said);
        this.announcer.verification(change);
        // The conversation is in a new epoch (a live call's frame key changes: session/calls/callService.ts).
        this.announcer.conversationChanged(conversationId);
        return undefined;
      });
      if (!outcome) return;
      // Outside the lock: the notification stream must apply the newer commits first.
      await this.waitForEpoch(conversationId, outcome.staleAt);
    }
  }

  /** Waits (outside the lock) until the notification stream brought the group to `epoch`. */
  async waitForEpoch(conversationId: string, epoch: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const current = groupEpoch(this.device.db, conversationId);
      if (current !== undefined && current >= epoch) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new CoreError('mls-stale-message');
  }

  /** Display names of a conversation's members (best effort: a missing profile is skipped). */
  async profiles(conversation: Conversation): Promise<Profile[]> {
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
  async claimKeyPackages(users: ReadonlyArray<{ id: string; domain: string }>): Promise<{ packages: Uint8Array[]; adds: Device[] }> {
    const engine = await this.mls();
    const packages: Uint8Array[] = [];
    const adds: Device[] = [];
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
}
