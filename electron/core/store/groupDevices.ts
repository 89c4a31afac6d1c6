/**
 * Device verification's tables: `group_devices` (which device sits in each conversation's MLS
 * group, at which leaf, with which signature key: read from the group state this device holds),
 * `verified_devices` (the devices this user verified, each with the key compared) and
 * `member_departures` (users the server said left a group on their own, until the commit
 * removing them is told). The rules that read them are in services/deviceTrust.ts and
 * services/membershipMessages.ts.
 */
import { z } from 'zod';
import type { ReadableDB, WritableDB } from './handles';
import { cachedStatement } from './statements';

/** A leaf of a group as stored: `user` qualified, `signatureKey` in hex. */
export type GroupDeviceRow = Readonly<{ leafIndex: number; user: string; clientId: string; signatureKey: string }>;

/** A device of a group with whether this user verified it with that key. */
export type TrustedDeviceRow = Readonly<{ user: string; clientId: string; signatureKey: string; verified: boolean }>;

const DeviceRowsSchema = z.array(z.object({ user_id: z.string(), client_id: z.string(), signature_key: z.string(), verified: z.number() }));
const KeyRowsSchema = z.array(z.object({ client_id: z.string(), signature_key: z.string(), verified: z.number() }));
const LeafRowsSchema = z.array(z.object({ user_id: z.string(), client_id: z.string(), signature_key: z.string() }));

/** Replaces what is known of a conversation's group leaves with `devices` (the group just stored). */
export function saveGroupDevices(tx: WritableDB, conversationId: string, devices: readonly GroupDeviceRow[]): void {
  cachedStatement(tx, 'DELETE FROM group_devices WHERE conversation_id = ?').run(conversationId);
  const insert = cachedStatement(tx, 'INSERT INTO group_devices (conversation_id, leaf_index, user_id, client_id, signature_key) VALUES (?, ?, ?, ?, ?)');
  for (const d of devices) insert.run(conversationId, d.leafIndex, d.user, d.clientId, d.signatureKey);
}

/** The devices of a conversation's group as last stored (in no order), without the verified flag. */
export function groupDevices(db: ReadableDB, conversationId: string): Array<Readonly<{ user: string; clientId: string; signatureKey: string }>> {
  return LeafRowsSchema.parse(cachedStatement(db, 'SELECT user_id, client_id, signature_key FROM group_devices WHERE conversation_id = ?').all(conversationId)).map(
    (r) => ({ user: r.user_id, clientId: r.client_id, signatureKey: r.signature_key }),
  );
}

/** The devices of a conversation's group in leaf order, each with whether this user verified it with that key. */
export function devicesWithTrust(db: ReadableDB, conversationId: string): TrustedDeviceRow[] {
  const rows = DeviceRowsSchema.parse(
    cachedStatement(
      db,
      `SELECT d.user_id, d.client_id, d.signature_key,
              EXISTS (SELECT 1 FROM verified_devices v WHERE v.user_id = d.user_id AND v.client_id = d.client_id
                      AND v.signature_key = d.signature_key) AS verified
       FROM group_devices d WHERE d.conversation_id = ? ORDER BY d.leaf_index`,
    ).all(conversationId),
  );
  return rows.map((r) => ({ user: r.user_id, clientId: r.client_id, signatureKey: r.signature_key, verified: r.verified === 1 }));
}

/** Every signature key seen for a user's devices in the groups this device is in, with the verified flag. */
export function knownDeviceKeys(db: ReadableDB, user: string): Array<{ clientId: string; signatureKey: string; verified: boolean }> {
  const rows = KeyRowsSchema.parse(
    cachedStatement(
      db,
      `SELECT DISTINCT d.client_id, d.signature_key,
              EXISTS (SELECT 1 FROM verified_devices v WHERE v.user_id = d.user_id AND v.client_id = d.client_id
                      AND v.signature_key = d.signature_key) AS verified
       FROM group_devices d WHERE d.user_id = ? ORDER BY d.client_id, d.signature_key`,
    ).all(user),
  );
  return rows.map((r) => ({ clientId: r.client_id, signatureKey: r.signature_key, verified: r.verified === 1 }));
}

/** The conversations whose group holds this device (any key). */
export function conversationsWithDevice(db: ReadableDB, user: string, clientId: string): string[] {
  return z
    .array(z.string())
    .parse(cachedStatement(db, 'SELECT DISTINCT conversation_id FROM group_devices WHERE user_id = ? AND client_id = ?').pluck().all(user, clientId));
}

/** Marks a device verified with `signatureKey` (hex), or takes that back. */
export function setVerifiedDevice(
  tx: WritableDB,
  device: Readonly<{ user: string; clientId: string; signatureKey: string }>,
  verified: boolean,
  now: number,
): void {
  if (verified) {
    cachedStatement(
      tx,
      `INSERT INTO verified_devices (user_id, client_id, signature_key, verified_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, client_id, signature_key) DO NOTHING`,
    ).run(device.user, device.clientId, device.signatureKey, now);
  } else {
    cachedStatement(tx, 'DELETE FROM verified_devices WHERE user_id = ? AND client_id = ? AND signature_key = ?').run(device.user, device.clientId, device.signatureKey);
  }
}

/** Notes that `user` left a group on their own, so the commit removing their devices says "left". */
export function recordDeparture(tx: WritableDB, conversationId: string, user: string, now: number): void {
  cachedStatement(tx, 'INSERT INTO member_departures (conversation_id, user_id, left_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(conversationId, user, now);
}

/** Whether the server said `user` left this conversation on their own (and no commit told it yet). */
export function hasDeparted(db: ReadableDB, conversationId: string, user: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM member_departures WHERE conversation_id = ? AND user_id = ?').pluck().get(conversationId, user) === 1;
}

/** Forgets a departure once the commit removing the user was told. */
export function forgetDeparture(tx: WritableDB, conversationId: string, user: string): void {
  cachedStatement(tx, 'DELETE FROM member_departures WHERE conversation_id = ? AND user_id = ?').run(conversationId, user);
}
