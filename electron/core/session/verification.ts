/**
 * Device verification (seed 002): the devices in a conversation's group with their
 * fingerprints, a user's devices, marking one verified, and "send anyway" for a degraded
 * conversation. Fingerprints always come from the groups, never from the server alone.
 */
import { formatFingerprint } from '../crypto/mls/fingerprint';
import type { ConversationSummary } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import { conversationExists } from '../store/conversations';
import { qualified } from '../store/users';
import type { ConversationDevice, UserDevice } from '../services/deviceTrust';
import { acceptDegraded, backfillGroupDevices, conversationDevices, setDeviceVerified } from '../services/deviceTrust';
import { knownDeviceKeys } from '../store/groupDevices';
import { writeTransaction } from '../store/handles';
import type { Announcer } from './announcer';
import type { ConversationQueries } from './conversationQueries';
import type { DeviceContext } from './device';
import { selfDevice } from './device';

export class Verification {
  private backfilled = false;

  constructor(
    private readonly device: DeviceContext,
    private readonly queries: ConversationQueries,
    private readonly announcer: Announcer,
    private readonly log: Logger,
  ) {}

  /** The devices in a conversation's MLS group, with fingerprints and whether this user verified them. */
  conversationDevices(conversationId: string): { devices: ConversationDevice[] } {
    this.requireConversation(conversationId);
    this.ensureGroupDevices();
    return { devices: conversationDevices(this.device.db, conversationId, selfDevice(this.device)) };
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
      selfDevice(this.device),
    );
    for (const change of changes) this.announcer.verification(change);
    return { device: { user, clientId: request.clientId, fingerprint, verified: request.verified } };
  }

  /** "Send anyway": a degraded conversation becomes non-verified, and sending works again. */
  acceptDegraded(conversationId: string): ConversationSummary {
    this.requireConversation(conversationId);
    const { db } = this.device;
    const change = writeTransaction(db, (tx) => acceptDegraded(tx, conversationId, selfDevice(this.device)));
    this.announcer.verification(change);
    return this.queries.summary(conversationId);
  }

  private requireConversation(conversationId: string): void {
    if (!conversationExists(this.device.db, conversationId)) throw new CoreError('conversation-not-found');
  }

  /** Group devices of profiles from before verification existed are read once, on first need. */
  private ensureGroupDevices(): void {
    if (this.backfilled) return;
    const read = backfillGroupDevices(this.device.db);
    if (read > 0) this.log.info('recorded the devices of existing groups', { groups: read });
    this.backfilled = true;
  }
}
