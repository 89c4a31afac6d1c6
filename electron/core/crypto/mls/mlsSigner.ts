import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { LoadedSuite, MlsSuiteId } from './cipherSuites';
import { isMlsSuiteId } from './cipherSuites';
import type { MlsClientIdentity } from './mlsIdentity';
import { formatMlsIdentity, parseMlsIdentity } from './mlsIdentity';
import { mlsError } from './mlsErrors';
import { decodeVectors, encodeVectors } from './tlsBytes';

/**
 * A device's long-term MLS signing identity for one cipher suite (seed 002 "Identity keys":
 * one key pair per supported signature scheme, private key stored only on the device). Every
 * key package and leaf of this device in that suite is signed with it, so other members see
 * one stable key per device.
 */
export type MlsSigner = Readonly<{
  identity: MlsClientIdentity;
  suite: MlsSuiteId;
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
}>;

export async function createSigner(identity: MlsClientIdentity, suite: LoadedSuite): Promise<MlsSigner> {
  const keys = await suite.impl.signature.keygen();
  return { identity, suite: suite.id, signaturePublicKey: keys.publicKey, signaturePrivateKey: keys.signKey };
}

const SIGNER_FORMAT = 1;

/** Storage form for the core's encrypted DB (it holds a private key: never store it elsewhere). */
export function encodeSigner(signer: MlsSigner): Uint8Array {
  const header = Uint8Array.of(SIGNER_FORMAT, signer.suite >> 8, signer.suite & 0xff);
  return encodeVectors([header, new TextEncoder().encode(formatMlsIdentity(signer.identity)), signer.signaturePublicKey, signer.signaturePrivateKey]);
}

export function decodeSigner(bytes: Uint8Array): Result<MlsSigner> {
  const parts = decodeVectors(bytes, 4);
  const [header, identityBytes, publicKey, privateKey] = parts ?? [];
  if (header === undefined || identityBytes === undefined || publicKey === undefined || privateKey === undefined) {
    return mlsError('mls-invalid-state', 'The stored MLS signing key could not be read.');
  }
  const suite = ((header[1] ?? 0) << 8) | (header[2] ?? 0);
  if (header.length !== 3 || header[0] !== SIGNER_FORMAT || !isMlsSuiteId(suite)) {
    return mlsError('mls-invalid-state', 'The stored MLS signing key is of an unknown format.');
  }
  const identity = parseMlsIdentity(new TextDecoder().decode(identityBytes));
  if (!identity.ok) return mlsError('mls-invalid-state', 'The stored MLS signing key has a malformed identity.');
  return ok({ identity: identity.value, suite, signaturePublicKey: publicKey, signaturePrivateKey: privateKey });
}
