/**
 * Who is in a conversation: creating one, opening a 1:1, the self-conversation, adding and
 * removing members, leaving, joining the user's existing conversations from a new device, and
 * committing the removal of devices that must no longer read (a member who left, a deleted
 * device). The server's member list changes first; the MLS group follows through a commit.
 */
import type { Conversation } from '../../../protocol/api/conversations';
import type { ConversationSummary } from '../ipc/contract';
import type { Logger } from '../log';
import type { MlsClientIdentity } from '../crypto/mls/mlsIdentity';
import { sameClient } from '../crypto/mls/mlsIdentity';
import { leftAt, markLeft, saveConversation } from '../store/conversations';
import { listMembers } from '../store/members';
import { qualified, saveUserProfile } from '../store/users';
import { heldSelfConversation, holdsGroup } from '../store/groups';
import { writeTransaction } from '../store/handles';
import { recordOwnMembership } from '../services/membershipMessages';
import type { Announcer } from './announcer';
import type { ConversationQueries } from './conversationQueries';
import type { DeviceContext } from './device';
import { selfDevice, selfId } from './device';
import type { GroupSession } from './groupSession';
import { removedTargets } from './groupSession';

type UserId = Readonly<{ id: string; domain: string }>;

export class Membership {
  private readonly device: DeviceContext;

  constructor(
    private readonly groups: GroupSession,
    private readonly queries: ConversationQueries,
    private readonly announcer: Announcer,
    private readonly log: Logger,
  ) {
    this.device = groups.device;
  }

  /** Creates the conversation at the server, then the MLS group with every device of its members. */
  async create(name: string, members: readonly UserId[]): Promise<ConversationSummary> {
    const conversation = await this.device.api.call('createConversation', { body: { type: 'group', name, users: [...members] } });
    await this.groups.establishGroup(conversation, members);
    return this.queries.summary(conversation.qualifiedId.id);
  }

  /**
   * The 1:1 conversation with `user`: the server keeps one per pair, so this opens the existing
   * one if there is one (joining its group by external commit if this device is not in it yet).
   */
  async openOneToOne(user: UserId): Promise<ConversationSummary> {
    const conversation = await this.device.api.call('createConversation', { body: { type: 'one2one', users: [user] } });
    const id = conversation.qualifiedId.id;
    if (holdsGroup(this.device.db, id)) return this.queries.summary(id);
    if (this.madeJustNow(conversation)) await this.groups.establishGroup(conversation, [user]);
    else await this.groups.joinByExternalCommit(conversation);
    return this.queries.summary(id);
  }

  /**
   * The user's self-conversation (seed 002 / Wire: a group of only the user's own devices, never
   * listed), for what one device tells the others. Made on first need: the server keeps one per
   * user, so a device that finds it already made joins it by external commit; devices added to
   * the account later join it with the rest (`joinExisting`).
   */
  async selfConversation(): Promise<string> {
    const { api, db } = this.device;
    const known = heldSelfConversation(db);
    if (known !== undefined) return known;
    const conversation = await api.call('createConversation', { body: { type: 'self', users: [] } });
    const id = conversation.qualifiedId.id;
    if (holdsGroup(db, id)) return id;
    if (this.madeJustNow(conversation)) await this.groups.establishGroup(conversation, []);
    else await this.groups.joinByExternalCommit(conversation);
    return id;
  }

  /** The server made it for this call: no group yet, and only this device in it. */
  private madeJustNow(conversation: Conversation): boolean {
    return conversation.epoch === 0 && conversation.clients.length === 1 && conversation.clients[0]?.client === this.device.clientId;
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
      if (holdsGroup(db, id)) continue;
      if (conversation.clients.some((c) => c.user.id === this.device.userId && c.client === this.device.clientId)) continue;
      try {
        await this.groups.joinByExternalCommit(conversation);
        joined += 1;
      } catch (error) {
        failed += 1;
        this.log.warn('joining an existing conversation failed', { conversationId: id, error });
      }
    }
    return { joined, failed };
  }

  /** Adds users to a group: the server's member list first, then every device of theirs through a commit. */
  async addMembers(conversationId: string, users: readonly UserId[]): Promise<ConversationSummary> {
    await this.device.api.call('addMembers', { params: { conv: conversationId }, body: { users: [...users], role: 'member' } });
    const claimed = await this.groups.claimKeyPackages(users);
    if (claimed.packages.length > 0) {
      await this.groups.commit(conversationId, (engine, group) => engine.addMembers(group, claimed.packages), { adds: claimed.adds, removes: [] });
    }
    return this.refreshed(conversationId);
  }

  /**
   * Removes a user: off the server's member list, then every device of theirs out of the MLS
   * group, so nothing sent afterwards can be read by them.
   */
  async removeMember(conversationId: string, user: UserId): Promise<ConversationSummary> {
    await this.device.api.call('removeMember', { params: { conv: conversationId, domain: user.domain, user: user.id } });
    await this.groups.commit(
      conversationId,
      (engine, group) => {
        const clients = engine.members(group).filter((m) => m.identity.userId === user.id && m.identity.domain === user.domain);
        return engine.removeMembers(group, clients.map((m) => m.identity));
      },
      removedTargets,
    );
    return this.refreshed(conversationId);
  }

  /** Leaves a group: off the server's member list; the others' next commit removes this device. */
  async leave(conversationId: string): Promise<ConversationSummary> {
    await this.device.api.call('removeMember', { params: { conv: conversationId, domain: this.device.domain, user: this.device.userId } });
    const { db } = this.device;
    const now = Date.now();
    const said = writeTransaction(db, (tx) => {
      markLeft(tx, conversationId, now);
      return recordOwnMembership(tx, conversationId, `left-${now}`, { kind: 'left' }, selfDevice(this.device), now);
    });
    this.announcer.messageAdded(conversationId, said);
    this.announcer.conversationChanged(conversationId);
    return this.queries.summary(conversationId);
  }

  /** Reads the conversation (name, members and their names) from the server again and stores it. */
  private async refreshed(conversationId: string): Promise<ConversationSummary> {
    const conversation = await this.device.api.call('getConversation', { params: { conv: conversationId } });
    const profiles = await this.groups.profiles(conversation);
    const { db } = this.device;
    const now = Date.now();
    writeTransaction(db, (tx) => {
      saveConversation(tx, conversation, now);
      for (const p of profiles) saveUserProfile(tx, p.user, p.name, p.handle, now);
    });
    this.announcer.conversationChanged(conversationId);
    return this.queries.summary(conversationId);
  }

  /**
   * Commits the removal of every device whose user is no longer a member (as this device last
   * read the member list). Several members may try at once: the server takes one commit per
   * epoch, and the others find nothing left to remove once they caught up.
   */
  async removeDeparted(conversationId: string): Promise<void> {
    const { db } = this.device;
    const self = selfId(this.device);
    await this.groups.commit(
      conversationId,
      (engine, group) => {
        if (this.hasLeft(conversationId)) return undefined;
        const members = new Set(listMembers(db, conversationId).map((m) => m.id));
        if (!members.has(self)) return undefined;
        const stale = engine.members(group).filter((m) => !members.has(qualified({ id: m.identity.userId, domain: m.identity.domain })));
        return stale.length === 0 ? undefined : engine.removeMembers(group, stale.map((m) => m.identity));
      },
      removedTargets,
    );
  }

  /**
   * Commits the removal of a deleted device's leaf (the server's `mls-client-gone`): until
   * someone does, everything sent is still encrypted to it. Every member's device is told and
   * tries; the server takes one commit per epoch (it and every device accept it from any member
   * once the device is unregistered: mlsPlans.ts, commitRules.ts rule 7), the others get a 409,
   * catch up, then find the leaf gone and commit nothing (as does a replayed notification).
   */
  async removeGoneDevice(conversationId: string, device: MlsClientIdentity): Promise<void> {
    await this.groups.commit(
      conversationId,
      (engine, group) => {
        if (this.hasLeft(conversationId)) return undefined;
        const leaves = engine.members(group).filter((m) => sameClient(m.identity, device));
        return leaves.length === 0 ? undefined : engine.removeMembers(group, leaves.map((m) => m.identity));
      },
      removedTargets,
    );
  }

  private hasLeft(conversationId: string): boolean {
    // A conversation that is not stored counts as left: there is nothing to commit in.
    return leftAt(this.device.db, conversationId) !== null;
  }
}
