import { createHash } from 'node:crypto';
import type { BackupKdfParams } from './backupKdf';
import { backupKdfInBounds, KDF_ARGON2I13, SALT_BYTES } from './backupKdf';
import { BackupFailure } from './backupErrors';
import { chunkSizeInBounds } from './chunkFraming';

/** "CAIRNBAK": the first 8 bytes of every encrypted backup. */
export const BACKUP_MAGIC = new Uint8Array([0x43, 0x41, 0x49, 0x52, 0x4e, 0x42, 0x41, 0x4b]);
/**
 * The version this code writes. 2 added reactions, receipts, asset records and the
 * conversation's domain and read position to the payload; the header's layout is the same as in
 * version 1, and every version from 1 up is still read.
 */
export const BACKUP_FORMAT_VERSION = 2;
/** magic (8) + version (1) + header length (2): the part every version keeps, so any reader can check the checksum. */
export const HEADER_PREFIX_BYTES = 11;
export const HEADER_CHECK_BYTES = 32;
export const HEADER_CHECKSUM_BYTES = 32;
export const STREAM_HEADER_BYTES = 24;
export const MAX_USER_ID_BYTES = 256;
export const MAX_HEADER_BYTES = 4096;
/** Bytes of a header (versions 1 and 2) without the user id. */
const FIXED_BYTES = 51 + STREAM_HEADER_BYTES + HEADER_CHECK_BYTES + HEADER_CHECKSUM_BYTES;

/** The header fields a writer chooses; the key check and checksum are computed from them. */
export interface BackupHeaderFields {
  readonly kdf: BackupKdfParams;
  readonly salt: Uint8Array;
  readonly chunkSize: number;
  readonly createdAt: number;
  readonly userId: string;
  readonly streamHeader: Uint8Array;
}

export interface BackupHeader extends BackupHeaderFields {
  readonly version: number;
  readonly flags: number;
  /** Keyed BLAKE2b of every header byte before it (see `keyCheckInput`). */
  readonly keyCheck: Uint8Array;
  /** The header exactly as stored: the associated data of every chunk. */
  readonly bytes: Uint8Array;
}

/**
 * Lays out a header of the current version (byte map in docs/backup-format.md). `keyCheck` receives the bytes it
 * must authenticate and returns the 32-byte tag, so this module never sees a key.
 */
export function encodeBackupHeader(fields: BackupHeaderFields, keyCheck: (input: Uint8Array) => Uint8Array): Uint8Array {
  const userId = new TextEncoder().encode(fields.userId);
  if (userId.length === 0 || userId.length > MAX_USER_ID_BYTES) throw new RangeError('user id must be 1–256 bytes');
  if (fields.salt.length !== SALT_BYTES || fields.streamHeader.length !== STREAM_HEADER_BYTES) throw new RangeError('bad salt or stream header');
  const length = FIXED_BYTES + userId.length;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes.set(BACKUP_MAGIC, 0);
  view.setUint8(8, BACKUP_FORMAT_VERSION);
  view.setUint16(9, length);
  view.setUint8(11, 0);
  view.setUint8(12, KDF_ARGON2I13);
  view.setUint32(13, fields.kdf.opsLimit);
  view.setUint32(17, fields.kdf.memLimitBytes);
  bytes.set(fields.salt, 21);
  view.setUint32(37, fields.chunkSize);
  view.setBigUint64(41, BigInt(fields.createdAt));
  view.setUint16(49, userId.length);
  bytes.set(userId, 51);
  const streamAt = 51 + userId.length;
  bytes.set(fields.streamHeader, streamAt);
  const checkAt = streamAt + STREAM_HEADER_BYTES;
  const check = keyCheck(bytes.subarray(0, checkAt));
  if (check.length !== HEADER_CHECK_BYTES) throw new RangeError('key check must be 32 bytes');
  bytes.set(check, checkAt);
  bytes.set(headerChecksum(bytes.subarray(0, length - HEADER_CHECKSUM_BYTES)), length - HEADER_CHECKSUM_BYTES);
  return bytes;
}

export function startsWithMagic(bytes: Uint8Array): boolean {
  return bytes.length >= BACKUP_MAGIC.length && BACKUP_MAGIC.every((b, i) => bytes[i] === b);
}

/** A non-empty file shorter than the magic that matches its start: what is left of a cut backup. */
export function isCutMagic(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.length < BACKUP_MAGIC.length && bytes.every((b, i) => BACKUP_MAGIC[i] === b);
}

/** The total header length announced by the first 11 bytes (magic already checked). */
export function announcedHeaderLength(prefix: Uint8Array): number {
  const length = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint16(9);
  if (length < HEADER_PREFIX_BYTES + HEADER_CHECKSUM_BYTES || length > MAX_HEADER_BYTES) {
    throw new BackupFailure('backup-corrupt', 'The backup file is damaged: its header has an impossible length. Nothing was imported. Use another copy of the backup.');
  }
  return length;
}

/**
 * Parses a whole header. Order matters and is what the user is told: a damaged header
 * (checksum) before a newer version, so a flipped version byte reads as damage; then flags,
 * algorithm and bounds — all before any expensive work. The key check is verified later, after
 * the KDF, by the caller.
 */
export function parseBackupHeader(bytes: Uint8Array): BackupHeader {
  const damaged = (what: string) =>
    new BackupFailure('backup-corrupt', `The backup file is damaged: ${what}. Nothing was imported. Use another copy of the backup.`);
  const body = bytes.subarray(0, bytes.length - HEADER_CHECKSUM_BYTES);
  const stored = bytes.subarray(bytes.length - HEADER_CHECKSUM_BYTES);
  if (!equalBytes(headerChecksum(body), stored)) throw damaged('its header checksum does not match');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(8);
  if (version > BACKUP_FORMAT_VERSION) throw new BackupFailure('backup-newer-version');
  if (version < 1) throw damaged('its format version is 0');
  if (bytes.length < FIXED_BYTES) throw damaged('its header is too short');
  const flags = view.getUint8(11);
  // Flags are for later features; a bit this version does not know means a newer writer.
  if (flags !== 0) throw new BackupFailure('backup-newer-version');
  if (view.getUint8(12) !== KDF_ARGON2I13) throw new BackupFailure('backup-newer-version');
  const kdf: BackupKdfParams = { opsLimit: view.getUint32(13), memLimitBytes: view.getUint32(17) };
  if (!backupKdfInBounds(kdf)) throw damaged('its key derivation cost is out of bounds');
  const chunkSize = view.getUint32(37);
  if (!chunkSizeInBounds(chunkSize)) throw damaged('its chunk size is out of bounds');
  const createdAt = Number(view.getBigUint64(41));
  const userIdLength = view.getUint16(49);
  if (userIdLength === 0 || userIdLength > MAX_USER_ID_BYTES || FIXED_BYTES + userIdLength !== bytes.length) {
    throw damaged('its user id has an impossible length');
  }
  let userId: string;
  try {
    userId = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(51, 51 + userIdLength));
  } catch {
    throw damaged('its user id is not text');
  }
  const streamAt = 51 + userIdLength;
  const checkAt = streamAt + STREAM_HEADER_BYTES;
  return {
    version,
    flags,
    kdf,
    salt: bytes.slice(21, 21 + SALT_BYTES),
    chunkSize,
    createdAt,
    userId,
    streamHeader: bytes.slice(streamAt, checkAt),
    keyCheck: bytes.slice(checkAt, checkAt + HEADER_CHECK_BYTES),
    bytes,
  };
}

/** The bytes the key check authenticates: everything before it. */
export function keyCheckInput(header: BackupHeader): Uint8Array {
  return header.bytes.subarray(0, header.bytes.length - HEADER_CHECK_BYTES - HEADER_CHECKSUM_BYTES);
}

/** SHA-256 of the header body: catches accidental damage before any decision is taken on a field. */
export function headerChecksum(body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(body).digest());
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
