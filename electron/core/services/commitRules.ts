/**
 * Which incoming commits (and standalone proposals) a device adopts: a pure function of what the
 * change does (`MlsIncomingChange`, described by the MLS engine) and what this device knows of
 * the conversation. RFC 9420 leaves "who may add or remove whom" and "is this credential really
 * that device" to the application (§5.3.1 "the Authentication Service", §12.1 "the application
 * decides"); the security review (issue 11, items 1 and 2) found Cairn accepted every valid
 * commit, so a member could rejoin with a leaf naming another member's device and speak as them,
 * or remove any device, the admin's included. The server checks the same rules on its side
 * (server/conversations/mlsPlans.ts); every device checks them again so a server that lets a
 * commit through cannot make it stick here.
 *
 * Rules, in the order they are checked:
 * 1. Only the proposal types Cairn uses: add, remove, update, and external_init in an external
 *    commit (a reinit would suspend the group, new group context extensions could add an
 *    external sender).
 * 2. The committer is the device the server says sent the notification (`poster`): a member's
 *    leaf credential, or for an external commit the leaf it joins with.
 * 3. A leaf that stays keeps its identity: an Update or UpdatePath may change keys, never whose
 *    device the leaf is.
 * 4. An external commit removes at most the joiner's own earlier leaf (RFC 9420 §12.4.3.2 resync)
 *    and adds nothing else; the joiner is a device of a member.
 * 5. Every added device is a device of a member.
 * 6. After the change no device has two leaves.
 * 7. Removes: a device may remove its own user's devices and devices of users who are no longer
 *    members; removing a device of another user who is still a member needs the committer to be an
 *    admin, unless that device is no longer registered (the server's rule, mlsPlans.ts). Only the
 *    server knows registrations, so that last case is answered by `registered`, which the core
 *    fills from the server's device list when this function asks for it (`need-registration`).
 *
 * "Member" is this device's stored member list (refreshed from the server at every member-join,
 * member-leave and member-update notification, each stored before the commits after it), plus
 * any user who already has a device in the group: a user the group holds was let in by an
 * earlier commit every device checked.
 */
import type { MlsIncomingChange } from '../crypto/mls/incomingChange';
import type { MlsClientIdentity } from '../crypto/mls/mlsIdentity';
import { formatMlsIdentity, sameClient } from '../crypto/mls/mlsIdentity';

export type CommitRefusalCode =
  | 'change-unsupported'
  | 'change-sender-mismatch'
  | 'change-identity-changed'
  | 'change-external-remove'
  | 'change-not-a-member'
  | 'change-duplicate-device'
  | 'change-remove-not-allowed';

export type ChangeContext = Readonly<{
  /** The device the server attests sent the notification (`from`, `fromClient`). */
  poster: Readonly<{ userId: string; domain: string; clientId: string }>;
  /** The conversation's members as this device stores them, by `user-id@domain`, with their role. */
  members: ReadonlyMap<string, 'admin' | 'member'>;
  /** Whether a device is still registered at the server; absent until the rules ask for it. */
  registered?: (device: MlsClientIdentity) => boolean;
}>;

export type ChangeVerdict =
  | Readonly<{ kind: 'accept' }>
  | Readonly<{ kind: 'refuse'; code: CommitRefusalCode; reason: string }>
  /** Rule 7 needs to know whether these devices are still registered: ask the server, then decide again. */
  | Readonly<{ kind: 'need-registration'; devices: readonly MlsClientIdentity[] }>;

const userOf = (identity: Readonly<{ userId: string; domain: string }>): string => `${identity.userId}@${identity.domain}`;

function refuse(code: CommitRefusalCode, reason: string): ChangeVerdict {
  return { kind: 'refuse', code, reason };
}

export function reviewChange(change: MlsIncomingChange, context: ChangeContext): ChangeVerdict {
  const { committer } = change;
  const isMember = (identity: MlsClientIdentity): boolean =>
    context.members.has(userOf(identity)) || change.before.some((m) => userOf(m.identity) === userOf(identity));

  // 1.
  const unsupported = change.unsupported[0];
  if (unsupported !== undefined) return refuse('change-unsupported', `it used a kind of change Cairn does not allow (${unsupported})`);

  // 2.
  const author = committer.identity;
  if (author === undefined || !sameClient(author, context.poster)) {
    return refuse('change-sender-mismatch', 'it was signed as another device than the one that sent it');
  }

  // 3.
  for (const update of change.updates) {
    if (update.before === undefined || update.after === undefined || !sameClient(update.before, update.after)) {
      return refuse('change-identity-changed', 'it gave a device in the conversation another identity');
    }
  }

  // 4.
  if (committer.kind === 'external') {
    if (change.adds.length > 0) return refuse('change-unsupported', 'it joined and added other devices at once');
    if (change.removes.some((r) => r.identity === undefined || !sameClient(r.identity, author))) {
      return refuse('change-external-remove', 'it removed a device other than the joining one');
    }
    if (!isMember(author)) return refuse('change-not-a-member', 'it added a device of someone who is not a member');
  }

  // 5.
  for (const added of change.adds) {
    if (added === undefined || !isMember(added)) return refuse('change-not-a-member', 'it added a device of someone who is not a member');
  }

  // 6. (Only new leaves are compared: a group that somehow already held a device twice is not made unusable.)
  const removedLeaves = new Set(change.removes.map((r) => r.leafIndex));
  const staying = change.before.filter((m) => !removedLeaves.has(m.leafIndex)).map((m) => formatMlsIdentity(m.identity));
  const arriving = [...change.adds.filter((a): a is MlsClientIdentity => a !== undefined), ...(committer.kind === 'external' ? [author] : [])].map(formatMlsIdentity);
  if (arriving.some((key, index) => staying.includes(key) || arriving.indexOf(key) !== index)) {
    return refuse('change-duplicate-device', 'it would have given one device two places in the conversation');
  }

  // 7.
  if (committer.kind === 'member') {
    const committerIsAdmin = context.members.get(userOf(author)) === 'admin';
    const protectedDevices = change.removes
      .map((r) => r.identity)
      .filter((r): r is MlsClientIdentity => r !== undefined)
      .filter((r) => userOf(r) !== userOf(author) && context.members.has(userOf(r)) && !committerIsAdmin);
    if (protectedDevices.length > 0) {
      const registered = context.registered;
      if (registered === undefined) return { kind: 'need-registration', devices: protectedDevices };
      if (protectedDevices.some((device) => registered(device))) {
        return refuse('change-remove-not-allowed', "it removed another member's device without being an admin");
      }
    }
  }
  return { kind: 'accept' };
}
