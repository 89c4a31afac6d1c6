import type { KeyPackage, PrivateKeyPackage } from 'ts-mls';
import { ciphersuites, defaultCapabilities, generateKeyPackageWithKey } from 'ts-mls';
import { encodeKeyPackage, makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { LoadedSuite } from './cipherSuites';
import type { MlsClientIdentity } from './mlsIdentity';
import { formatMlsIdentity, parseMlsIdentityBytes } from './mlsIdentity';
import { mlsError } from './mlsErrors';
import type { MlsSigner } from './mlsSigner';
import { decodeKeyPackageBytes, wrapKeyPackage } from './mlsWire';
import { decodeVectors, encodeVectors } from './tlsBytes';

/** Key packages are valid for 90 days (OpenMLS's default too), from one hour ago for clock skew. */
export const KEY_PACKAGE_LIFETIME_SECONDS = 90 * 24 * 3600;
const CLOCK_SKEW_SECONDS = 3600;

/**
 * One generated key package. `message` is what the core uploads (an MLSMessage, wire format 5);
 * `stored` holds its private keys for the encrypted DB until a Welcome consumes it (then the
 * core deletes it: a key package joins exactly one group, seed 002); `ref` (RFC 9420 §5.2
 * KeyPackageRef) is how a Welcome names it.
 */
export type GeneratedKeyPackage = Readonly<{ ref: Uint8Array; message: Uint8Array; stored: Uint8Array }>;

/** A key package with its private keys, as needed to join a group from a Welcome. */
export type KeyPackageWithKeys = Readonly<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }>;

export function basicCredential(signer: MlsSigner): { credentialType: 'basic'; identity: Uint8Array } {
  return { credentialType: 'basic', identity: new TextEncoder().encode(formatMlsIdentity(signer.identity)) };
}

/** A fresh key package bound to the device's signing key (used for uploads, groups and external joins). */
export async function newKeyPackage(signer: MlsSigner, suite: LoadedSuite): Promise<KeyPackageWithKeys> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return generateKeyPackageWithKey(
    basicCredential(signer),
    defaultCapabilities(),
    { notBefore: now - BigInt(CLOCK_SKEW_SECONDS), notAfter: now + BigInt(KEY_PACKAGE_LIFETIME_SECONDS) },
    [],
    { signKey: signer.signaturePrivateKey, publicKey: signer.signaturePublicKey },
    suite.impl,
  );
}

export async function keyPackageRef(keyPackage: KeyPackage, suite: LoadedSuite): Promise<Uint8Array> {
  return makeKeyPackageRef(keyPackage, suite.impl.hash);
}

export async function generateKeyPackages(signer: MlsSigner, suite: LoadedSuite, count: number): Promise<GeneratedKeyPackage[]> {
  const out: GeneratedKeyPackage[] = [];
  for (let i = 0; i < count; i++) {
    const { publicPackage, privatePackage } = await newKeyPackage(signer, suite);
    out.push({
      ref: await keyPackageRef(publicPackage, suite),
      message: wrapKeyPackage(publicPackage),
      stored: encodeVectors([encodeKeyPackage(publicPackage), privatePackage.initPrivateKey, privatePackage.hpkePrivateKey]),
    });
  }
  return out;
}

/** Reads a stored key package back; the signature key comes from the device's signer. */
export function decodeStoredKeyPackage(stored: Uint8Array, signer: MlsSigner): Result<KeyPackageWithKeys> {
  const [publicBytes, initPrivateKey, hpkePrivateKey] = decodeVectors(stored, 3) ?? [];
  if (publicBytes === undefined || initPrivateKey === undefined || hpkePrivateKey === undefined) {
    return mlsError('mls-invalid-state', 'A stored key package could not be read.');
  }
  const publicPackage = decodeKeyPackageBytes(publicBytes);
  if (!publicPackage.ok) return mlsError('mls-invalid-state', 'A stored key package could not be read.');
  return ok({
    publicPackage: publicPackage.value,
    privatePackage: { initPrivateKey, hpkePrivateKey, signaturePrivateKey: signer.signaturePrivateKey },
  });
}

/** The public facts of a key package another device uploaded. */
export type KeyPackageInfo = Readonly<{ suite: number; identity: MlsClientIdentity; signaturePublicKey: Uint8Array }>;

/**
 * Reads who a claimed key package belongs to, so the core can check it against the claim
 * response (`ClaimedKeyPackageSchema`: user and client) before adding it — otherwise a server
 * could hand out someone else's package under a member's name. Does not verify the signature
 * (`addMembers` does).
 */
export function inspectKeyPackage(bytes: Uint8Array): Result<KeyPackageInfo> {
  const decoded = decodeKeyPackageBytes(bytes);
  if (!decoded.ok) return decoded;
  const credential = decoded.value.leafNode.credential;
  if (credential.credentialType !== 'basic') return mlsError('mls-invalid-key-package', 'The key package has no basic credential.');
  const identity = parseMlsIdentityBytes(credential.identity);
  if (!identity.ok) return identity;
  return ok({ suite: ciphersuites[decoded.value.cipherSuite], identity: identity.value, signaturePublicKey: decoded.value.leafNode.signaturePublicKey });
}
