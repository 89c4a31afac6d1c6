import { hkdfSync } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { ProteusFailure } from './proteusErrors';

/**
 * The cryptographic primitives Proteus is built from (seed 002 "Primitives": ChaCha20,
 * HMAC-SHA256, X25519, HKDF-SHA256, Ed25519 — "provided by libsodium"). libsodium has no HKDF
 * (PLATFORM-NOTES "libsodium"), so HKDF is node:crypto's RFC 5869 implementation; Wire's own
 * HKDF pads an empty or 32-byte salt to a 32-byte HMAC key, which RFC 5869 does too.
 */

type Sodium = typeof sodium;
let loaded: Sodium | undefined;

/** Resolves once libsodium's WASM is ready; every other function here needs it. */
export async function loadPrimitives(): Promise<void> {
  await sodium.ready;
  loaded = sodium;
}

function lib(): Sodium {
  if (loaded === undefined) throw new ProteusFailure('proteus-not-ready');
  return loaded;
}

/** Ed25519 keys as Wire stores them: 32-byte public key, 64-byte libsodium secret key. */
export type Ed25519KeyPair = Readonly<{ publicKey: Uint8Array; secretKey: Uint8Array }>;

export const ED25519_PUBLIC_BYTES = 32;
export const ED25519_SECRET_BYTES = 64;
export const KEY_BYTES = 32;
export const MAC_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export function randomBytes(length: number): Uint8Array {
  return lib().randombytes_buf(length);
}

/**
 * Every Proteus key pair (identity, prekeys, base keys, ratchet keys) is an Ed25519 pair from a
 * random seed, converted to X25519 when used for DH — Wire's KeyPair does exactly this
 * (seed 002: "Identity keys are Ed25519 keys but are converted to X25519 keys").
 */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  const pair = lib().crypto_sign_seed_keypair(randomBytes(KEY_BYTES));
  return { publicKey: pair.publicKey, secretKey: pair.privateKey };
}

/** Converts a peer's Ed25519 public key; throws for bytes that are not a valid curve point. */
export function publicToX25519(edPublic: Uint8Array): Uint8Array {
  const s = lib();
  if (edPublic.length !== ED25519_PUBLIC_BYTES) throw new ProteusFailure('proteus-invalid-message');
  try {
    // libsodium also refuses small-order points and points outside the main subgroup.
    return s.crypto_sign_ed25519_pk_to_curve25519(edPublic);
  } catch {
    throw new ProteusFailure('proteus-invalid-message');
  }
}

/** True when the bytes are an Ed25519 public key that converts to X25519 (checked at decode). */
export function isUsablePublicKey(edPublic: Uint8Array): boolean {
  try {
    publicToX25519(edPublic);
    return true;
  } catch {
    return false;
  }
}

/** X25519 agreement between our Ed25519 secret key and their Ed25519 public key. */
export function sharedSecret(ourSecret: Uint8Array, theirPublic: Uint8Array): Uint8Array {
  const s = lib();
  const theirCurve = publicToX25519(theirPublic);
  const secretCurve = s.crypto_sign_ed25519_sk_to_curve25519(ourSecret);
  try {
    // libsodium refuses an all-zero result (a low-order point), as Wire's assert_is_not_zeros does.
    return s.crypto_scalarmult(secretCurve, theirCurve);
  } catch {
    throw new ProteusFailure('proteus-invalid-message');
  } finally {
    s.memzero(secretCurve);
  }
}

export function sign(message: Uint8Array, edSecret: Uint8Array): Uint8Array {
  return lib().crypto_sign_detached(message, edSecret);
}

export function verifySignature(signature: Uint8Array, message: Uint8Array, edPublic: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || edPublic.length !== ED25519_PUBLIC_BYTES) return false;
  try {
    return lib().crypto_sign_verify_detached(signature, message, edPublic);
  } catch {
    return false;
  }
}

/** HMAC-SHA256 with a 32-byte key (seed 002: "HMAC-SHA256 as MAC"; chain keys are MAC keys). */
export function hmacSha256(key: Uint8Array, message: Uint8Array | string): Uint8Array {
  return lib().crypto_auth_hmacsha256(message, key);
}

/** Constant-time MAC check. */
export function verifyHmacSha256(tag: Uint8Array, message: Uint8Array, key: Uint8Array): boolean {
  if (tag.length !== MAC_BYTES || key.length !== KEY_BYTES) return false;
  return lib().crypto_auth_hmacsha256_verify(tag, message, key);
}

/** HKDF-SHA256 (RFC 5869); seed 002 always asks for 64 bytes, split into two 32-byte keys. */
export function hkdfSha256(input: Uint8Array, salt: Uint8Array, info: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', input, salt, info, length));
}

/**
 * ChaCha20 (the original 64-bit-nonce variant, libsodium `crypto_stream_chacha20`), as Wire's
 * CipherKey uses it. Encryption and decryption are the same XOR.
 */
export function chacha20Xor(data: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  return lib().crypto_stream_chacha20_xor(data, nonce, key);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
