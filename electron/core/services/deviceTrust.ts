/**
 * Device verification in the store: which devices sit in each conversation's MLS group with
 * which signature key (`group_devices`), which of them this user verified (`verified_devices`),
 * and each conversation's verification state with the system messages that announce a change.
 * Plain synchronous functions: callers run them inside the transaction that stores the group
 * state they describe, and emit the returned changes after it committed.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_MLS_SUITE } from '../crypto/mls/cipherSuites';
import { formatFingerprint, parseFingerprint, signatureKeyHex } from '../crypto/mls/fingerprint';
import type { MlsMember } from '../crypto/mls/mlsGroup';
import { decodeGroupState, membersOfTree } from '../crypto/mls/mlsGroup';
import { decodeSigner } from '../crypto/mls/mlsSigner';
import { CoreError } from '../ipc/errors';
import { setVerification, verificationOf } from '../store/conversations';
import { mlsSigner } from '../store/device';
import { conversationsWithDevice, devicesWithTrust, knownDeviceKeys, saveGroupDevices as saveDeviceRows, setVerifiedDevice } from '../store/groupDevices';
import { groupsWithoutDeviceList } from '../store/groups';
import type { ReadableDB, WritableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';
import { insertSystemMessage } from '../store/messages';
import { qualified, userName } from '../store/users';
import type { GroupDevice, VerificationState } from './verificationState';
import { conversationVerification, sameDevice } from './verificationState';

/** This device as the verification rules see it: who it is, and the key it signs with. */
export type SelfDevice = Readonly<{ user: string; clientId: string }>;

/** A conversation's verification state changed; `messageId` is the system message announcing it. */
export type VerificationChange = Readonly<{ conversationId: string; state: VerificationState; messageId: string }>;

/** This device's MLS signature public key (hex), or undefined before the device is registered. */
export function ownSignatureKey(db: ReadableDB): string | undefined {
  const bytes = mlsSigner(db, DEFAULT_MLS_SUITE);
  if (bytes === undefined) return undefined;
  const signer = decodeSigner(bytes);
  return signer.ok ? signatureKeyHex(signer.value.signaturePublicKey) : undefined;
}

/** Replaces what is known of a conversation's group leaves with `members` (the group just stored). */
export function saveGroupDevices(tx: WritableDB, conversationId: string, members: readonly MlsMember[]): void {
  saveDeviceRows(
    tx,
    conversationId,
    members.map((m) => ({
      leafIndex: m.leafIndex,
      user: qualified({ id: m.identity.userId, domain: m.identity.domain }),
      clientId: m.identity.clientId,
      signatureKey: signatureKeyHex(m.signaturePublicKey),
    })),
  );
}

/**
 * Fills `group_devices` for groups stored before it existed (profiles from before migration 8).
 * Returns how many groups it read. Cheap after the first run: it only reads groups without rows.
 */
export function backfillGroupDevices(db: ReadableDB): number {
  const missing = groupsWithoutDeviceList(db);
  writeTransaction(db, (tx) => {
    for (const row of missing) {
      const group = decodeGroupState(row.state);
      if (group.ok) saveGroupDevices(tx, row.conversationId, membersOfTree(group.value.state.ratchetTree));
    }
  });
  return missing.length;
}

function selfDevice(db: ReadableDB, self: SelfDevice): GroupDevice {
  // Without a signer there is no key this device could match, so no leaf counts as this device.
  return { ...self, signatureKey: ownSignatureKey(db) ?? '' };
}

/**
 * Recomputes a conversation's verification state from its stored group devices and the
 * verified set; on a change, stores the new state and a system message saying what happened.
 */
export function reviewVerification(tx: WritableDB, conversationId: string, self: SelfDevice, now = Date.now()): VerificationChange | undefined {
  const previous = verificationOf(tx, conversationId);
  if (previous === undefined) return undefined;
  const devices = devicesWithTrust(tx, conversationId);
  const verified = new Set(devices.filter((d) => d.verified).map(deviceKey));
  const outcome = conversationVerification({ devices, self: selfDevice(tx, self), isVerified: (d) => verified.has(deviceKey(d)), previous });
  if (outcome.state === previous) return undefined;
  const text =
    outcome.state === 'verified'
      ? 'All devices in this conversation are verified.'
      : outcome.state === 'degraded'
        ? degradedSentence(tx, outcome.unverified.map((d) => d.user), self.user)
        : 'This conversation is no longer verified.';
  return changeState(tx, conversationId, outcome.state, text, self, now);
}

/** Records the devices of a group just stored and reviews the conversation's verification state (in the caller's transaction). */
export function trackDevices(tx: WritableDB, conversationId: string, members: readonly MlsMember[], self: SelfDevice): VerificationChange | undefined {
  saveGroupDevices(tx, conversationId, members);
  return reviewVerification(tx, conversationId, self);
}

function deviceKey(d: GroupDevice): string {
  return `${d.user} ${d.clientId} ${d.signatureKey}`;
}

/** "Send anyway": a degraded conversation becomes non-verified and sending works again. */
export function acceptDegraded(tx: WritableDB, conversationId: string, self: SelfDevice, now = Date.now()): VerificationChange | undefined {
  if (verificationOf(tx, conversationId) !== 'degraded') return undefined;
  return changeState(
    tx,
    conversationId,
    'non-verified',
    'You chose to send anyway. This conversation is not verified; it becomes verified again once you verify every device in it.',
    self,
    now,
  );
}

function changeState(tx: WritableDB, conversationId: string, state: VerificationState, text: string, self: SelfDevice, now: number): VerificationChange {
  setVerification(tx, conversationId, state);
  const messageId = `system-verification-${randomUUID()}`;
  insertSystemMessage(tx, conversationId, messageId, text, self, now);
  return { conversationId, state, messageId };
}

/** "This conversation is no longer verified: Bob uses a device…", naming whose devices are not verified. */
function degradedSentence(db: ReadableDB, users: readonly string[], selfUser: string): string {
  const unique = [...new Set(users)];
  const names = unique.map((user) => (user === selfUser ? 'you' : (userName(db, user) ?? 'someone')));
  const listed = names.length <= 1 ? (names[0] ?? 'someone') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
  const subject = listed.charAt(0).toUpperCase() + listed.slice(1);
  const singular = names.length === 1 && unique[0] !== selfUser;
  return (
    `This conversation is no longer verified: ${subject} ${singular ? 'uses a device' : 'use devices'} that you have not verified. ` +
    'Nothing can be sent until you verify them or choose to send anyway.'
  );
}

/** What the user sees of one device in a conversation, to compare and verify it. */
export type ConversationDevice = Readonly<{
  user: string;
  userName: string | null;
  clientId: string;
  fingerprint: string;
  verified: boolean;
  /** The device this app runs on (trusted without verification). */
  current: boolean;
}>;

export function conversationDevices(db: ReadableDB, conversationId: string, self: SelfDevice): ConversationDevice[] {
  const me = selfDevice(db, self);
  return devicesWithTrust(db, conversationId)
    .map((d) => {
      const current = sameDevice(d, me);
      return {
        user: d.user,
        userName: userName(db, d.user) ?? null,
        clientId: d.clientId,
        fingerprint: formatFingerprint(d.signatureKey),
        verified: current || d.verified,
        current,
      };
    })
    .sort((a, b) => Number(b.current) - Number(a.current) || (a.userName ?? a.user).localeCompare(b.userName ?? b.user) || a.clientId.localeCompare(b.clientId));
}

/** One device of a user as `users.devices` shows it. */
export type UserDevice = Readonly<{
  clientId: string;
  /** Device class from the server's list; null for a device the server no longer lists but a group still holds. */
  class: string | null;
  /** Fingerprint of the key the device uses in a group shared with this device; null while none holds it. */
  fingerprint: string | null;
  verified: boolean;
  current: boolean;
}>;

/**
 * Marks a device verified (or not) with the fingerprint the user compared, then recomputes every
 * conversation the device is in. Verifying needs the fingerprint to match a key the device
 * really uses in one of this user's groups: a key only a server claims is never trusted.
 */
export function setDeviceVerified(
  db: ReadableDB,
  device: Readonly<{ user: string; clientId: string; fingerprint: string; verified: boolean }>,
  self: SelfDevice,
  now = Date.now(),
): { fingerprint: string; changes: VerificationChange[] } {
  const key = parseFingerprint(device.fingerprint);
  if (key === undefined) {
    throw new CoreError('device-fingerprint-invalid');
  }
  if (device.user === self.user && device.clientId === self.clientId) {
    throw new CoreError('device-is-current');
  }
  const seen = knownDeviceKeys(db, device.user).filter((k) => k.clientId === device.clientId);
  if (device.verified && !seen.some((k) => k.signatureKey === key)) {
    throw seen.length === 0
      ? new CoreError('device-unknown')
      : new CoreError('device-fingerprint-mismatch');
  }
  const changes: VerificationChange[] = [];
  writeTransaction(db, (tx) => {
    setVerifiedDevice(tx, { user: device.user, clientId: device.clientId, signatureKey: key }, device.verified, now);
    for (const id of conversationsWithDevice(tx, device.user, device.clientId)) {
      const change = reviewVerification(tx, id, self, now);
      if (change) changes.push(change);
    }
  });
  return { fingerprint: formatFingerprint(key), changes };
}
