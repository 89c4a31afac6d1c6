/**
 * Device verification in the store: which devices sit in each conversation's MLS group with
 * which signature key (`group_devices`), which of them this user verified (`verified_devices`),
 * and each conversation's verification state with the system messages that announce a change.
 * Plain synchronous functions: callers run them inside the transaction that stores the group
 * state they describe, and emit the returned changes after it committed.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_MLS_SUITE } from '../crypto/mls/cipherSuites';
import { formatFingerprint, parseFingerprint, signatureKeyHex } from '../crypto/mls/fingerprint';
import type { MlsMember } from '../crypto/mls/mlsGroup';
import { decodeGroupState, membersOfTree } from '../crypto/mls/mlsGroup';
import { decodeSigner } from '../crypto/mls/mlsSigner';
import { CoreError } from '../ipc/errors';
import { groupsWithoutDeviceList } from '../store/groups';
import type { ReadableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';
import type { Db } from '../store/migration';
import { qualified } from './conversationStore';
import { insertSystemMessage } from './messageStore';
import type { GroupDevice, VerificationState } from './verificationState';
import { conversationVerification, sameDevice } from './verificationState';

/** This device as the verification rules see it: who it is, and the key it signs with. */
export type SelfDevice = Readonly<{ user: string; clientId: string }>;

/** A conversation's verification state changed; `messageId` is the system message announcing it. */
export type VerificationChange = Readonly<{ conversationId: string; state: VerificationState; messageId: string }>;

const StateSchema = z.enum(['non-verified', 'verified', 'degraded']);
const DeviceRowSchema = z.object({ user_id: z.string(), client_id: z.string(), signature_key: z.string(), verified: z.number() });

/** This device's MLS signature public key (hex), or undefined before the device is registered. */
export function ownSignatureKey(db: Db): string | undefined {
  const bytes: unknown = db.prepare('SELECT data FROM mls_signers WHERE suite = ?').pluck().get(DEFAULT_MLS_SUITE);
  if (!(bytes instanceof Uint8Array)) return undefined;
  const signer = decodeSigner(bytes);
  return signer.ok ? signatureKeyHex(signer.value.signaturePublicKey) : undefined;
}

/** Replaces what is known of a conversation's group leaves with `members` (the group just stored). */
export function saveGroupDevices(tx: Db, conversationId: string, members: readonly MlsMember[]): void {
  tx.prepare('DELETE FROM group_devices WHERE conversation_id = ?').run(conversationId);
  const insert = tx.prepare('INSERT INTO group_devices (conversation_id, leaf_index, user_id, client_id, signature_key) VALUES (?, ?, ?, ?, ?)');
  for (const m of members) {
    insert.run(conversationId, m.leafIndex, qualified({ id: m.identity.userId, domain: m.identity.domain }), m.identity.clientId, signatureKeyHex(m.signaturePublicKey));
  }
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

export function verificationOf(db: Db, conversationId: string): VerificationState | undefined {
  const state: unknown = db.prepare('SELECT verification FROM conversations WHERE id = ?').pluck().get(conversationId);
  return state === undefined ? undefined : StateSchema.parse(state);
}

/** The devices of a conversation's group, each with whether this user verified it with that key. */
function devicesWithTrust(db: Db, conversationId: string): Array<GroupDevice & { verified: boolean }> {
  const rows = DeviceRowSchema.array().parse(
    db
      .prepare(
        `SELECT d.user_id, d.client_id, d.signature_key,
                EXISTS (SELECT 1 FROM verified_devices v WHERE v.user_id = d.user_id AND v.client_id = d.client_id
                        AND v.signature_key = d.signature_key) AS verified
         FROM group_devices d WHERE d.conversation_id = ? ORDER BY d.leaf_index`,
      )
      .all(conversationId),
  );
  return rows.map((r) => ({ user: r.user_id, clientId: r.client_id, signatureKey: r.signature_key, verified: r.verified === 1 }));
}

function selfDevice(db: Db, self: SelfDevice): GroupDevice {
  // Without a signer there is no key this device could match, so no leaf counts as this device.
  return { ...self, signatureKey: ownSignatureKey(db) ?? '' };
}

/**
 * Recomputes a conversation's verification state from its stored group devices and the
 * verified set; on a change, stores the new state and a system message saying what happened.
 */
export function reviewVerification(tx: Db, conversationId: string, self: SelfDevice, now = Date.now()): VerificationChange | undefined {
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
export function trackDevices(tx: Db, conversationId: string, members: readonly MlsMember[], self: SelfDevice): VerificationChange | undefined {
  saveGroupDevices(tx, conversationId, members);
  return reviewVerification(tx, conversationId, self);
}

function deviceKey(d: GroupDevice): string {
  return `${d.user} ${d.clientId} ${d.signatureKey}`;
}

/** "Send anyway": a degraded conversation becomes non-verified and sending works again. */
export function acceptDegraded(tx: Db, conversationId: string, self: SelfDevice, now = Date.now()): VerificationChange | undefined {
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

function changeState(tx: Db, conversationId: string, state: VerificationState, text: string, self: SelfDevice, now: number): VerificationChange {
  tx.prepare('UPDATE conversations SET verification = ? WHERE id = ?').run(state, conversationId);
  const messageId = `system-verification-${randomUUID()}`;
  insertSystemMessage(tx, conversationId, messageId, text, self, now);
  return { conversationId, state, messageId };
}

/** "This conversation is no longer verified: Bob uses a device…", naming whose devices are not verified. */
function degradedSentence(db: Db, users: readonly string[], selfUser: string): string {
  const nameOf = db.prepare('SELECT name FROM users WHERE id = ?').pluck();
  const unique = [...new Set(users)];
  const names = unique.map((user) => {
    if (user === selfUser) return 'you';
    const name: unknown = nameOf.get(user);
    return typeof name === 'string' ? name : 'someone';
  });
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

export function conversationDevices(db: Db, conversationId: string, self: SelfDevice): ConversationDevice[] {
  const me = selfDevice(db, self);
  const nameOf = db.prepare('SELECT name FROM users WHERE id = ?').pluck();
  return devicesWithTrust(db, conversationId)
    .map((d) => {
      const current = sameDevice(d, me);
      const name: unknown = nameOf.get(d.user);
      return {
        user: d.user,
        userName: typeof name === 'string' ? name : null,
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

/** Every signature key seen for a user's devices in the groups this device is in, with the verified flag. */
export function knownDeviceKeys(db: Db, user: string): Array<{ clientId: string; signatureKey: string; verified: boolean }> {
  const rows = z
    .array(z.object({ client_id: z.string(), signature_key: z.string(), verified: z.number() }))
    .parse(
      db
        .prepare(
          `SELECT DISTINCT d.client_id, d.signature_key,
                  EXISTS (SELECT 1 FROM verified_devices v WHERE v.user_id = d.user_id AND v.client_id = d.client_id
                          AND v.signature_key = d.signature_key) AS verified
           FROM group_devices d WHERE d.user_id = ? ORDER BY d.client_id, d.signature_key`,
        )
        .all(user),
    );
  return rows.map((r) => ({ clientId: r.client_id, signatureKey: r.signature_key, verified: r.verified === 1 }));
}

/**
 * Marks a device verified (or not) with the fingerprint the user compared, then recomputes every
 * conversation the device is in. Verifying needs the fingerprint to match a key the device
 * really uses in one of this user's groups: a key only a server claims is never trusted.
 */
export function setDeviceVerified(
  db: Db,
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
  db.transaction(() => {
    if (device.verified) {
      db.prepare(
        `INSERT INTO verified_devices (user_id, client_id, signature_key, verified_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, client_id, signature_key) DO NOTHING`,
      ).run(device.user, device.clientId, key, now);
    } else {
      db.prepare('DELETE FROM verified_devices WHERE user_id = ? AND client_id = ? AND signature_key = ?').run(device.user, device.clientId, key);
    }
    const conversations = z
      .array(z.string())
      .parse(db.prepare('SELECT DISTINCT conversation_id FROM group_devices WHERE user_id = ? AND client_id = ?').pluck().all(device.user, device.clientId));
    for (const id of conversations) {
      const change = reviewVerification(db, id, self, now);
      if (change) changes.push(change);
    }
  })();
  return { fingerprint: formatFingerprint(key), changes };
}
