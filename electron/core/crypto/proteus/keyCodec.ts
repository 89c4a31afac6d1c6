import type { CborMap } from './cbor';
import type { CborReader } from './cbor';
import { cborMap } from './cbor';
import type { Ed25519KeyPair } from './primitives';
import { ED25519_PUBLIC_BYTES, ED25519_SECRET_BYTES, isUsablePublicKey } from './primitives';
import { ProteusFailure } from './proteusErrors';

/**
 * CBOR shapes of Wire's key objects (proteus.js `keys/`): PublicKey `{0: ed25519 pk}`,
 * IdentityKey `{0: PublicKey}`, SecretKey `{0: ed25519 sk (64 bytes)}`,
 * KeyPair `{0: SecretKey, 1: PublicKey}`. Only the Ed25519 form travels; the X25519 form is
 * derived where needed. A public key that does not convert to X25519 is rejected at decode,
 * as Wire's PublicKey.decode does.
 */

export function encodePublicKey(edPublic: Uint8Array): CborMap {
  return cborMap([[0, edPublic]]);
}

export function encodeIdentityKey(edPublic: Uint8Array): CborMap {
  return cborMap([[0, encodePublicKey(edPublic)]]);
}

export function encodeKeyPair(pair: Ed25519KeyPair): CborMap {
  return cborMap([
    [0, cborMap([[0, pair.secretKey]])],
    [1, encodePublicKey(pair.publicKey)],
  ]);
}

export function decodePublicKey(reader: CborReader): Uint8Array {
  const edPublic = reader.bytes(0, ED25519_PUBLIC_BYTES);
  if (!isUsablePublicKey(edPublic)) throw new ProteusFailure(reader.code);
  return edPublic;
}

export function decodeIdentityKey(reader: CborReader): Uint8Array {
  return decodePublicKey(reader.nested(0));
}

export function decodeSecretKey(reader: CborReader): Uint8Array {
  return reader.bytes(0, ED25519_SECRET_BYTES);
}

/**
 * A libsodium Ed25519 secret key is seed || public key; a pair whose halves disagree is
 * corrupt and would sign with one key while advertising another.
 */
export function decodeKeyPair(reader: CborReader): Ed25519KeyPair {
  const secretKey = decodeSecretKey(reader.nested(0));
  const publicKey = decodePublicKey(reader.nested(1));
  const embedded = secretKey.subarray(32);
  if (!embedded.every((byte, i) => byte === publicKey[i])) throw new ProteusFailure(reader.code);
  return { publicKey, secretKey };
}
