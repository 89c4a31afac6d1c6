/**
 * System messages for membership changes ("Alice added Bob and Carol.", "Bob left."), written
 * in the transaction that stores the group state the change produced, so each change is told
 * once on every device — the committer's included.
 *
 * A change is read from the MLS group itself: users who had no device in the group before a
 * commit and have one after were added; users with none left after it were removed. The commit
 * is signed by its committer, so "Alice added Bob" is what Alice's device did, not what the
 * server says. A new device of someone already in the group changes no membership; it gets its
 * own line ("Bob started using a new device.", in one-to-one conversations too; so does a device
 * whose leaf comes back with another signature key), so nobody
 * learns of a new reader of their messages only from verification (deviceTrust.ts). Whether a removed user left on their
 * own is the server's word (`member_departures`, filled from its member-leave event): MLS does
 * not let a member commit its own removal, so someone else's commit removes a user who left.
 */
import { signatureKeyHex } from '../crypto/mls/fingerprint';
import type { MlsMember } from '../crypto/mls/mlsGroup';
import { conversationKind } from '../store/conversations';
import { forgetDeparture, groupDevices, hasDeparted } from '../store/groupDevices';
import type { ReadableDB, WritableDB } from '../store/handles';
import { insertSystemMessage } from '../store/messages';
import { qualified, userName } from '../store/users';
import type { SelfDevice } from './deviceTrust';

/** A group as last stored: its users, and its devices as `user client signature-key`. */
export type GroupBefore = Readonly<{ users: ReadonlySet<string>; devices: ReadonlySet<string> }>;

/**
 * A device is a client id with one signature key: a leaf naming a known client id with a key
 * never seen for it (a rejoin with a new key) is a new device to everyone, as its fingerprint is
 * (issue 11, item 1; seed 002: a changed key is a new device to verify).
 */
const deviceKey = (user: string, clientId: string, signatureKey: string): string => `${user} ${clientId} ${signatureKey}`;

/** Who had a device in a conversation's group as last stored; undefined when nothing is stored (unknown). */
export function groupBefore(db: ReadableDB, conversationId: string): GroupBefore | undefined {
  const rows = groupDevices(db, conversationId);
  if (rows.length === 0) return undefined;
  return { users: new Set(rows.map((r) => r.user)), devices: new Set(rows.map((r) => deviceKey(r.user, r.clientId, r.signatureKey))) };
}

function isOneToOne(db: ReadableDB, conversationId: string): boolean {
  return conversationKind(db, conversationId) !== 'group';
}

/** Names for sentences: "you" for this user, the display name, or "someone". */
export function namer(db: ReadableDB, selfUser: string): (user: string) => string {
  return (user) => {
    if (user === selfUser) return 'you';
    const name = userName(db, user);
    return name !== undefined && name !== '' ? name : 'someone';
  };
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Stores the system message for a commit that moved the group from `before` (users, read with
 * `usersInGroup` before the new devices were saved) to `members`. `committer` is the qualified
 * user who made the commit (undefined when unknown). Returns the message id, or undefined when
 * the commit changed no membership, the earlier membership is unknown, or the conversation is
 * one-to-one. The id is derived from the epoch: processing the same commit again adds nothing.
 */
export function recordMembershipChange(
  tx: WritableDB,
  change: Readonly<{ conversationId: string; epoch: bigint; before: GroupBefore | undefined; members: readonly MlsMember[]; committer: string | undefined }>,
  self: SelfDevice,
  now: number,
): string | undefined {
  const { conversationId, before } = change;
  // The self-conversation (this user's devices only, never shown) has nothing to tell.
  if (!before || conversationKind(tx, conversationId) === 'self') return undefined;
  const userOf = (m: MlsMember): string => qualified({ id: m.identity.userId, domain: m.identity.domain });
  // A member already in the group who has a device it did not have: "Bob started using a new
  // device." (as Wire says it), in one-to-one conversations too. This device itself is not new.
  const withNewDevice = [
    ...new Set(
      change.members
        .filter((m) => {
          const user = userOf(m);
          const isThisDevice = user === self.user && m.identity.clientId === self.clientId;
          const known = before.devices.has(deviceKey(user, m.identity.clientId, signatureKeyHex(m.signaturePublicKey)));
          return before.users.has(user) && !known && !isThisDevice;
        })
        .map(userOf),
    ),
  ];
  const name = namer(tx, self.user);
  const deviceSentences = withNewDevice.map((user) => `${capitalised(name(user))} started using a new device.`);
  if (isOneToOne(tx, conversationId)) {
    return deviceSentences.length === 0 ? undefined : insertSystemMessage(tx, conversationId, `system-members-${change.epoch}`, deviceSentences.join(' '), self, now);
  }
  const after = new Set(change.members.map(userOf));
  const added = [...after].filter((u) => !before.users.has(u));
  const gone = [...before.users].filter((u) => !after.has(u));
  if (added.length === 0 && gone.length === 0 && deviceSentences.length === 0) return undefined;
  const left = gone.filter((u) => hasDeparted(tx, conversationId, u));
  const removed = gone.filter((u) => !left.includes(u));
  const actor = change.committer === undefined ? 'someone' : name(change.committer);
  const sentences: string[] = [];
  if (added.length === 1 && added[0] === change.committer) sentences.push(`${capitalised(actor)} joined.`);
  else if (added.length > 0) sentences.push(`${capitalised(actor)} added ${list(added.map(name))}.`);
  if (removed.length > 0) sentences.push(`${capitalised(actor)} removed ${list(removed.map(name))}.`);
  if (left.length > 0) sentences.push(`${capitalised(list(left.map(name)))} left.`);
  sentences.push(...deviceSentences);
  for (const user of left) forgetDeparture(tx, conversationId, user);
  return insertSystemMessage(tx, conversationId, `system-members-${change.epoch}`, sentences.join(' '), self, now);
}

/**
 * A membership message that no commit on this device carries: "You left." (this device is no
 * longer sent the group's messages) or "Alice removed you." (the commit removing this device
 * goes only to those who stay). `key` makes the id, so a replayed notification adds nothing.
 */
export function recordOwnMembership(
  tx: WritableDB,
  conversationId: string,
  key: string,
  event: Readonly<{ kind: 'left' } | { kind: 'removed'; by: string } | { kind: 'added' }>,
  self: SelfDevice,
  now: number,
): string | undefined {
  if (isOneToOne(tx, conversationId)) return undefined;
  const text =
    event.kind === 'left'
      ? 'You left.'
      : event.kind === 'added'
        ? 'You were added to this conversation.'
        : `${capitalised(namer(tx, self.user)(event.by))} removed you.`;
  return insertSystemMessage(tx, conversationId, `system-members-${key}`, text, self, now);
}
