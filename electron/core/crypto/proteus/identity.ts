import { CborReader, cborMap, decodeCbor, encodeCbor } from './cbor';
import { decodeIdentityKey, decodeSecretKey, encodeIdentityKey } from './keyCodec';
import type { Ed25519KeyPair } from './primitives';
import { generateEd25519KeyPair, toHex } from './primitives';
import { ProteusFailure } from './proteusErrors';

/** A device's long-term Proteus identity: an Ed25519 pair (seed 002 "Proteus key material"). */
export type IdentityKeyPair = Readonly<{ version: number; keyPair: Ed25519KeyPair }>;

/** Wire's IdentityKeyPair version; the only one that exists. */
const IDENTITY_VERSION = 1;

export function generateIdentityKeyPair(): IdentityKeyPair {
  return { version: IDENTITY_VERSION, keyPair: generateEd25519KeyPair() };
}

/** Wire's IdentityKeyPair CBOR `{0: version, 1: SecretKey, 2: IdentityKey}`. */
export function encodeIdentityKeyPair(identity: IdentityKeyPair): Uint8Array {
  return encodeCbor(
    cborMap([
      [0, identity.version],
      [1, cborMap([[0, identity.keyPair.secretKey]])],
      [2, encodeIdentityKey(identity.keyPair.publicKey)],
    ]),
  );
}

export function decodeIdentityKeyPair(bytes: Uint8Array): IdentityKeyPair {
  const reader = CborReader.of(decodeCbor(bytes, 'proteus-invalid-state'), 'proteus-invalid-state');
  const version = reader.uint(0, 0xff);
  if (version !== IDENTITY_VERSION) throw new ProteusFailure('proteus-invalid-state');
  const secretKey = decodeSecretKey(reader.nested(1));
  const publicKey = decodeIdentityKey(reader.nested(2));
  if (!secretKey.subarray(32).every((byte, i) => byte === publicKey[i])) throw new ProteusFailure('proteus-invalid-state');
  return { version, keyPair: { publicKey, secretKey } };
}

/**
 * The fingerprint people compare to verify a device (seed 002 "Client identity verification"):
 * lowercase hex of the Ed25519 identity public key, as Wire's `PublicKey.fingerprint()` gives it.
 */
export function fingerprintOf(identityPublicKey: Uint8Array): string {
  return toHex(identityPublicKey);
}
