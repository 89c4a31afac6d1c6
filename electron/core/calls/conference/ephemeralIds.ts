import { hkdfSync, randomBytes } from 'node:crypto';
import type { MlsClientIdentity } from '../../crypto/mls/mlsIdentity';
import { formatMlsIdentity } from '../../crypto/mls/mlsIdentity';

/*
 * The ids the SFU sees (seed 001 "Privacy": "we generate a random value for each call, share it
 * among the devices and use it to generate ephemeral conversation and user IDs"). The call
 * secret is 32 random bytes that travel only inside the end-to-end encrypted start message; the
 * Janus room id, its pin and each participant's publisher id are HKDF-SHA256 outputs of it under
 * the labels below. Without the secret the SFU cannot tell two calls of one conversation apart
 * from two calls of strangers, nor find one device in two calls; participants holding it map
 * each publisher id back to a device of the call group themselves.
 */

export const CALL_SECRET_BYTES = 32;

/** HKDF `info` labels; versioned so a later scheme cannot collide with these outputs. */
export const EPHEMERAL_ID_LABELS = {
  room: 'Cairn conference v1 SFU room id',
  pin: 'Cairn conference v1 SFU room pin',
  secret: 'Cairn conference v1 SFU room secret',
  participant: 'Cairn conference v1 SFU participant id ',
} as const;

/** Janus ids are JSON numbers: positive and below 2^53 (janusClient.ts `validId`). */
const ID_MASK = (1n << 53n) - 1n;

export type CallSecret = Readonly<{ bytes: Uint8Array }>;

export function newCallSecret(): CallSecret {
  return { bytes: new Uint8Array(randomBytes(CALL_SECRET_BYTES)) };
}

/** A secret read from a start message; undefined unless it has exactly 32 bytes. */
export function callSecretFrom(bytes: Uint8Array): CallSecret | undefined {
  return bytes.length === CALL_SECRET_BYTES ? { bytes: bytes.slice() } : undefined;
}

function expand(secret: CallSecret, info: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret.bytes, new Uint8Array(0), info, length));
}

function janusId(secret: CallSecret, info: string): number {
  const bytes = expand(secret, info, 8);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const id = Number(value & ID_MASK);
  // 0 is no id for Janus; one output in 2^53 lands there.
  return id === 0 ? 1 : id;
}

export type SfuRoom = Readonly<{ room: number; pin: string; secret: string }>;

/**
 * The Janus room of this call, its pin (joining) and its secret (destroy, edit, RTP forwarding):
 * any holder of a server token may create rooms on the SFU (no `admin_key`, issue 14), so these
 * two, known only to holders of the call secret, are what keeps others out of the room.
 */
export function sfuRoom(secret: CallSecret): SfuRoom {
  const text = (label: string): string => Buffer.from(expand(secret, label, 18)).toString('base64url');
  return { room: janusId(secret, EPHEMERAL_ID_LABELS.room), pin: text(EPHEMERAL_ID_LABELS.pin), secret: text(EPHEMERAL_ID_LABELS.secret) };
}

/** A device's publisher id in this call's room; the others compute it for each device of the call group to know whose feed is whose. */
export function sfuParticipantId(secret: CallSecret, device: MlsClientIdentity): number {
  return janusId(secret, EPHEMERAL_ID_LABELS.participant + formatMlsIdentity(device));
}
