import type { GroupInfo, KeyPackage, MLSMessage, Welcome } from 'ts-mls';
import { decodeMlsMessage, encodeMlsMessage } from 'ts-mls';
import { decodeGroupInfo } from 'ts-mls/groupInfo.js';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { decodeWelcome } from 'ts-mls/welcome.js';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { MlsErrorCode } from './mlsErrors';
import { mlsError } from './mlsErrors';

/*
 * Bytes in and out of the engine. Everything the engine produces is an RFC 9420 §6 MLSMessage
 * (version 1, wire_format, body), which is what the server's `server/mls/wire.ts` reads.
 * Inputs may also be bare KeyPackage / Welcome / GroupInfo structures, because OpenMLS
 * (core-crypto) hands those out unwrapped.
 */

export function encodeMessage(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

/** Decodes a whole MLSMessage; trailing bytes or any decoder failure are `mls-invalid-message`. */
export function decodeMessage(bytes: Uint8Array): Result<MLSMessage> {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    if (decoded !== undefined && decoded[1] === bytes.length) return ok(decoded[0]);
  } catch {
    // fall through to the uniform error below
  }
  return mlsError('mls-invalid-message');
}

function decodeWrappedOrBare<T>(
  bytes: Uint8Array,
  pick: (message: MLSMessage) => T | undefined,
  bare: (input: Uint8Array, offset: number) => [T, number] | undefined,
  code: MlsErrorCode,
): Result<T> {
  const wrapped = decodeMessage(bytes);
  if (wrapped.ok) {
    const value = pick(wrapped.value);
    return value === undefined ? mlsError(code) : ok(value);
  }
  try {
    const decoded = bare(bytes, 0);
    if (decoded !== undefined && decoded[1] === bytes.length) return ok(decoded[0]);
  } catch {
    // fall through
  }
  return mlsError(code);
}

export function decodeKeyPackageBytes(bytes: Uint8Array): Result<KeyPackage> {
  return decodeWrappedOrBare(
    bytes,
    (m) => (m.wireformat === 'mls_key_package' ? m.keyPackage : undefined),
    decodeKeyPackage,
    'mls-invalid-key-package',
  );
}

export function decodeWelcomeBytes(bytes: Uint8Array): Result<Welcome> {
  return decodeWrappedOrBare(
    bytes,
    (m) => (m.wireformat === 'mls_welcome' ? m.welcome : undefined),
    decodeWelcome,
    'mls-invalid-message',
  );
}

export function decodeGroupInfoBytes(bytes: Uint8Array): Result<GroupInfo> {
  return decodeWrappedOrBare(
    bytes,
    (m) => (m.wireformat === 'mls_group_info' ? m.groupInfo : undefined),
    decodeGroupInfo,
    'mls-invalid-group-info',
  );
}

export function wrapKeyPackage(keyPackage: KeyPackage): Uint8Array {
  return encodeMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage });
}

export function wrapWelcome(welcome: Welcome): Uint8Array {
  return encodeMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome });
}

export function wrapGroupInfo(groupInfo: GroupInfo): Uint8Array {
  return encodeMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });
}
