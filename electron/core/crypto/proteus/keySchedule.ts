import type { Ed25519KeyPair } from './primitives';
import { chacha20Xor, hkdfSha256, hmacSha256, sharedSecret } from './primitives';

/**
 * The double-ratchet key schedule of seed 002 ("Double Ratchet - Proteus key schedule"), in the
 * order Wire's proteus.js computes it. Every HKDF output is 64 bytes split into a first
 * ("cipher") and second ("mac") 32-byte key.
 */

export type ChainKey = Readonly<{ key: Uint8Array; idx: number }>;
export type MessageKeys = Readonly<{ cipherKey: Uint8Array; macKey: Uint8Array; counter: number }>;

/** seed 002: all three derivations ask HKDF for 64 bytes. */
const DERIVED_BYTES = 64;
const NO_SALT = new Uint8Array(0);

export type DerivedSecrets = Readonly<{ cipherKey: Uint8Array; macKey: Uint8Array }>;

export function deriveSecrets(input: Uint8Array, salt: Uint8Array, info: string): DerivedSecrets {
  const okm = hkdfSha256(input, salt, info, DERIVED_BYTES);
  return { cipherKey: okm.slice(0, 32), macKey: okm.slice(32, 64) };
}

/**
 * seed 002: `root_key_0 || chain_key_0_0 = HKDF(input: master_secret, info: "handshake",
 * length: 64)`, no salt.
 */
export function handshakeSecrets(masterSecret: Uint8Array): Readonly<{ rootKey: Uint8Array; chainKey: ChainKey }> {
  const derived = deriveSecrets(masterSecret, NO_SALT, 'handshake');
  return { rootKey: derived.cipherKey, chainKey: { key: derived.macKey, idx: 0 } };
}

/**
 * seed 002: `root_key_n+1 || chain_key_n_0 = HKDF(input: ratchet_secret_n, salt: root_key_n,
 * info: "dh_ratchet", length: 64)` where ratchet_secret_n is the X25519 agreement of our
 * ratchet key with theirs.
 */
export function dhRatchetStep(
  rootKey: Uint8Array,
  ours: Ed25519KeyPair,
  theirs: Uint8Array,
): Readonly<{ rootKey: Uint8Array; chainKey: ChainKey }> {
  const secret = sharedSecret(ours.secretKey, theirs);
  const derived = deriveSecrets(secret, rootKey, 'dh_ratchet');
  secret.fill(0);
  return { rootKey: derived.cipherKey, chainKey: { key: derived.macKey, idx: 0 } };
}

/** seed 002: `chain_key_n_m+1 = HMAC-SHA256(message: "1", key: chain_key_n_m)`. */
export function nextChainKey(chain: ChainKey): ChainKey {
  return { key: hmacSha256(chain.key, '1'), idx: chain.idx + 1 };
}

/**
 * seed 002: `message_key_n_m = HMAC-SHA256(message: "0", key: chain_key_n_m)`, then
 * `symmetric_key_n_m || hmac_key_n_m = HKDF(input: message_key_n_m, info: "hash_ratchet",
 * length: 64)`.
 */
export function messageKeysOf(chain: ChainKey): MessageKeys {
  const base = hmacSha256(chain.key, '0');
  const derived = deriveSecrets(base, NO_SALT, 'hash_ratchet');
  base.fill(0);
  return { cipherKey: derived.cipherKey, macKey: derived.macKey, counter: chain.idx };
}

/**
 * seed 002: "The corresponding nonce is derived from a message counter of the hash ratchet
 * chain" — Wire writes the counter big-endian into the first 4 of ChaCha20's 8 nonce bytes.
 */
function counterNonce(counter: number): Uint8Array {
  const nonce = new Uint8Array(8);
  new DataView(nonce.buffer).setUint32(0, counter);
  return nonce;
}

/** ChaCha20 with the message's symmetric key (seed 002 "Message encryption"); its own inverse. */
export function applyMessageCipher(keys: MessageKeys, data: Uint8Array): Uint8Array {
  return chacha20Xor(data, counterNonce(keys.counter), keys.cipherKey);
}
