import { ciphersuites, decodeMlsMessage, defaultCryptoProvider, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import type { CiphersuiteImpl, CiphersuiteName, KeyPackage } from 'ts-mls';
import { decodeKeyPackage, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';
import type { DeviceIdentity } from './identity';
import { parseDeviceIdentity } from './identity';

/** An uploaded key package as the server checks it: its suite and the device its credential names. */
export type UploadedKeyPackage = Readonly<{ cipherSuite: number; identity: DeviceIdentity; keyPackage: KeyPackage }>;

/** A decoder's answer when it read exactly `bytes`; undefined when it threw or read a different length. */
function decodeWhole<T>(bytes: Uint8Array, decode: (bytes: Uint8Array, offset: number) => [T, number] | undefined): T | undefined {
  try {
    const decoded = decode(bytes, 0);
    return decoded !== undefined && decoded[1] === bytes.length ? decoded[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A bare key package of suite 1 starts like an MLSMessage (version 1, then the suite where the
 * wire format would be: 1 = public message), so the wrapped reading may throw or stop short on a
 * bare package: each reading is tried on its own.
 */
function decodeWrappedOrBare(bytes: Uint8Array): KeyPackage | undefined {
  const wrapped = decodeWhole(bytes, decodeMlsMessage);
  if (wrapped !== undefined) return wrapped.wireformat === 'mls_key_package' ? wrapped.keyPackage : undefined;
  return decodeWhole(bytes, decodeKeyPackage);
}

/**
 * Reads a key package, bare or wrapped in an MLSMessage (OpenMLS and ts-mls differ here), and the
 * device its basic credential names. A package whose credential is not a Cairn device identity is
 * refused: it could only ever be added under a false name (security review item 1).
 */
export function readKeyPackage(bytes: Uint8Array): Result<UploadedKeyPackage> {
  const keyPackage = decodeWrappedOrBare(bytes);
  if (keyPackage === undefined) return err('mls-invalid-message', 'The key package is truncated or malformed.');
  const credential = keyPackage.leafNode.credential;
  const identity = credential.credentialType === 'basic' ? parseDeviceIdentity(credential.identity) : undefined;
  if (identity === undefined) return err('mls-invalid-message', 'The key package’s credential is not a Cairn device identity.');
  return ok({ cipherSuite: ciphersuites[keyPackage.cipherSuite], identity, keyPackage });
}

const suites = new Map<CiphersuiteName, Promise<CiphersuiteImpl>>();

function suite(name: CiphersuiteName): Promise<CiphersuiteImpl> {
  let pending = suites.get(name);
  if (pending === undefined) {
    pending = getCiphersuiteImpl(getCiphersuiteFromName(name), defaultCryptoProvider);
    suites.set(name, pending);
    pending.catch(() => suites.delete(name));
  }
  return pending;
}

/**
 * Whether the key package is signed by the key in its own leaf (RFC 9420 §10.1). This proves the
 * uploader holds that signature key; that the credential names the uploading device is checked
 * by the route. False when the suite cannot be loaded on this server.
 */
export async function keyPackageSignatureValid(keyPackage: KeyPackage): Promise<boolean> {
  try {
    return await verifyKeyPackage(keyPackage, (await suite(keyPackage.cipherSuite)).signature);
  } catch {
    return false;
  }
}
