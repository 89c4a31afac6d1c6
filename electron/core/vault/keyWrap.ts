import type { KdfParams } from './kdfParams';
import type { Sodium } from './sodium';
import type { WrappedKey, WrappedKeyHeader } from './wrappedKeyFile';
import { headerAssociatedData, NONCE_BYTES, SALT_BYTES, WRAPPED_KEY_VERSION } from './wrappedKeyFile';

/**
 * Argon2id (ALG_ARGON2ID13) turns the passphrase into a key-encryption key. The passphrase is
 * NFC-normalised first so the same text typed on another OS or keyboard layout (composed vs
 * decomposed accents) still unlocks. Slow and memory-hungry by design: call it in the core only.
 */
export function deriveKek(sodium: Sodium, passphrase: string, salt: Uint8Array, params: KdfParams): Uint8Array {
  // The bytes are ours to erase; the string and libsodium's copy in its WASM heap are not
  // (docs/SECURITY.md, section 5).
  const bytes = new TextEncoder().encode(passphrase.normalize('NFC'));
  try {
    return sodium.crypto_pwhash(
      sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
      bytes,
      salt,
      params.opsLimit,
      params.memLimitBytes,
      sodium.crypto_pwhash_ALG_ARGON2ID13,
    );
  } finally {
    bytes.fill(0);
  }
}

/** Encrypts the database key under `kek` with XChaCha20-Poly1305; a random 24-byte nonce is safe. */
export function wrapKey(sodium: Sodium, key: Uint8Array, kek: Uint8Array, header: WrappedKeyHeader): WrappedKey {
  const nonce = sodium.randombytes_buf(NONCE_BYTES);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(key, headerAssociatedData(header), null, nonce, kek);
  return { header, nonce, ciphertext };
}

/**
 * The database key, or undefined when authentication fails: a wrong passphrase, a changed
 * header (KDF parameters, salt, version) or changed ciphertext all look the same here.
 */
export function unwrapKey(sodium: Sodium, wrapped: WrappedKey, kek: Uint8Array): Uint8Array | undefined {
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      wrapped.ciphertext,
      headerAssociatedData(wrapped.header),
      wrapped.nonce,
      kek,
    );
  } catch {
    return undefined;
  }
}

/** Derives a fresh KEK (new random salt) and wraps `key` with it. */
export function sealWithPassphrase(sodium: Sodium, key: Uint8Array, passphrase: string, kdf: KdfParams): WrappedKey {
  const header: WrappedKeyHeader = { version: WRAPPED_KEY_VERSION, kdf, salt: sodium.randombytes_buf(SALT_BYTES) };
  const kek = deriveKek(sodium, passphrase, header.salt, kdf);
  try {
    return wrapKey(sodium, key, kek, header);
  } finally {
    sodium.memzero(kek);
  }
}

/** Re-derives the KEK from the header's salt and parameters and unwraps the key. */
export function openWithPassphrase(sodium: Sodium, wrapped: WrappedKey, passphrase: string): Uint8Array | undefined {
  const kek = deriveKek(sodium, passphrase, wrapped.header.salt, wrapped.header.kdf);
  try {
    return unwrapKey(sodium, wrapped, kek);
  } finally {
    sodium.memzero(kek);
  }
}
