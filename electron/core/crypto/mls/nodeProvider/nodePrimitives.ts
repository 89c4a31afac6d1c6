import type { CipherChaCha20Poly1305, CipherGCM, DecipherChaCha20Poly1305, DecipherGCM, KeyObject } from 'node:crypto';
import {
  ECDH,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomFillSync,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { missingCase } from '../../../../../protocol/result';

/*
 * Every `node:crypto` call of Cairn's MLS crypto provider goes through this module, and only
 * this module imports `node:crypto` (test/unit/mls/nodePrimitives.test.ts holds the list and
 * checks it against the README's BoringSSL table): the provider runs in Electron's utility
 * process, whose Node is built on BoringSSL, which lacks some of what OpenSSL-based Node has
 * (README.md "node:crypto in Electron"). All calls are synchronous: a WebCrypto call costs a
 * promise and a hop to the thread pool, which is what made ts-mls' default provider slow
 * (issue 15).
 */

/** The `node:crypto` functions used, in the order of the README table. */
export const NODE_CRYPTO_FUNCTIONS = [
  'createHash',
  'createHmac',
  'timingSafeEqual',
  'randomFillSync',
  'createCipheriv',
  'createDecipheriv',
  'createPrivateKey',
  'createPublicKey',
  'diffieHellman',
  'createECDH',
  'ECDH.convertKey',
  'sign',
  'verify',
] as const;

export type HashName = 'sha256' | 'sha384' | 'sha512';
export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
/** OpenSSL/BoringSSL names of the NIST curves (P-256, P-384, P-521). */
export type NistCurve = 'prime256v1' | 'secp384r1' | 'secp521r1';

/** Algorithm names the provider hands to `node:crypto`, per kind (also in the README table). */
export const NODE_CRYPTO_ALGORITHMS = {
  hashes: ['sha256', 'sha384', 'sha512'],
  ciphers: ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'],
  curves: ['prime256v1', 'secp384r1', 'secp521r1'],
  keyTypes: ['x25519', 'ed25519', 'ec'],
} as const satisfies Record<string, readonly string[]>;

const TAG_LENGTH = 16;

export function digest(hash: HashName, data: Uint8Array): Uint8Array {
  return bytes(createHash(hash).update(data).digest());
}

export function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return bytes(createHmac(hash, key).update(data).digest());
}

/**
 * HKDF-Expand (RFC 5869 §2.3) on HMAC. Not `hkdfSync`: it always runs Extract first and MLS and
 * HPKE call Expand alone, and Electron's `hkdf` failed with "Deriving bits failed" for several
 * releases (electron/electron#31634).
 */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let block: Uint8Array = new Uint8Array(0);
  for (let offset = 0, counter = 1; offset < length; counter++) {
    if (counter > 255) throw new RangeError('HKDF-Expand: output too long');
    block = bytes(createHmac(hash, prk).update(block).update(info).update(Uint8Array.of(counter)).digest());
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}

/** Constant-time comparison of two byte strings (false when the lengths differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function randomBytes(length: number): Uint8Array {
  return randomFillSync(new Uint8Array(length));
}

function cipherFor(name: AeadName, key: Uint8Array, nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
  switch (name) {
    case 'aes-128-gcm':
    case 'aes-256-gcm':
      return createCipheriv(name, key, nonce, { authTagLength: TAG_LENGTH });
    case 'chacha20-poly1305':
      return createCipheriv(name, key, nonce, { authTagLength: TAG_LENGTH });
    default:
      return missingCase(name);
  }
}

function decipherFor(name: AeadName, key: Uint8Array, nonce: Uint8Array): DecipherGCM | DecipherChaCha20Poly1305 {
  switch (name) {
    case 'aes-128-gcm':
    case 'aes-256-gcm':
      return createDecipheriv(name, key, nonce, { authTagLength: TAG_LENGTH });
    case 'chacha20-poly1305':
      return createDecipheriv(name, key, nonce, { authTagLength: TAG_LENGTH });
    default:
      return missingCase(name);
  }
}

/** AEAD encryption; the 16-byte tag is appended (RFC 5116 / RFC 9180 form). */
export function aeadSeal(name: AeadName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = cipherFor(name, key, nonce);
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(head.length + tail.length + TAG_LENGTH);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(cipher.getAuthTag(), head.length + tail.length);
  return out;
}

/** AEAD decryption; throws when the tag does not verify. */
export function aeadOpen(name: AeadName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < TAG_LENGTH) throw new RangeError('AEAD: ciphertext shorter than its tag');
  const body = ciphertext.subarray(0, ciphertext.length - TAG_LENGTH);
  const decipher = decipherFor(name, key, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LENGTH));
  decipher.setAAD(aad, { plaintextLength: body.length });
  const head = decipher.update(body);
  const tail = decipher.final();
  if (tail.length === 0) return bytes(head);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

// --- Curve25519 (X25519 key agreement, Ed25519 signatures), keys as raw 32-byte strings. ---

// Raw 32-byte keys enter OpenSSL as JWK (RFC 8037), not DER: in Node 20 on OpenSSL 3 a DER
// import goes through the decoder framework and costs 10x the X25519 operation itself (measured
// here: PKCS #8 ~700 µs, SPKI ~165 µs, JWK 40–100 µs, the DH 50 µs of CPU).
const JWK_OKP = { x25519: 'X25519', ed25519: 'Ed25519' } as const;
type Okp = keyof typeof JWK_OKP;
// Node builds an OKP private key from `d` alone (EVP_PKEY_new_raw_private_key) and only checks
// that `x` is a string; we do not know `x` before we have the key, so a placeholder goes there.
// Should Node ever refuse it, PKCS #8 takes over; should Node ever use it, the public keys we
// derive would be wrong, which nodePrimitives.test.ts and the suite self-test would catch.
const PLACEHOLDER_X = 'A'.repeat(43);
const PKCS8_PREFIX = { x25519: hex('302e020100300506032b656e04220420'), ed25519: hex('302e020100300506032b657004220420') } as const;

function okpPrivate(type: Okp, secret: Uint8Array): KeyObject {
  if (secret.length !== 32) throw new RangeError(`${type}: private key must be 32 bytes`);
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: JWK_OKP[type], d: base64url(secret), x: PLACEHOLDER_X }, format: 'jwk' });
  } catch {
    return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX[type], secret]), format: 'der', type: 'pkcs8' });
  }
}

function okpPublic(type: Okp, publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new RangeError(`${type}: public key must be 32 bytes`);
  return createPublicKey({ key: { kty: 'OKP', crv: JWK_OKP[type], x: base64url(publicKey) }, format: 'jwk' });
}

function okpRawPublic(key: KeyObject): Uint8Array {
  const { x } = createPublicKey(key).export({ format: 'jwk' });
  if (x === undefined) throw new TypeError('OKP key without x');
  return bytes(Buffer.from(x, 'base64url'));
}

/** Only for tests: the slow, standard PKCS #8 import, to check the fast one against. */
export function okpPublicKeyViaPkcs8(type: Okp, secret: Uint8Array): Uint8Array {
  return okpRawPublic(createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX[type], secret]), format: 'der', type: 'pkcs8' }));
}

/** The public key of a raw private key (X25519 or Ed25519 seed). */
export function okpPublicKey(type: Okp, secret: Uint8Array): Uint8Array {
  return okpRawPublic(okpPrivate(type, secret));
}

/** X25519 (RFC 7748); refuses an all-zero result (low-order point, RFC 9180 §7.1.4). */
export function x25519(secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const shared = bytes(diffieHellman({ privateKey: okpPrivate('x25519', secret), publicKey: okpPublic('x25519', publicKey) }));
  if (shared.every((b) => b === 0)) throw new RangeError('X25519: all-zero shared secret');
  return shared;
}

export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return bytes(sign(null, message, okpPrivate('ed25519', seed)));
}

export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return verify(null, message, cachedPublic('ed25519', publicKey, () => okpPublic('ed25519', publicKey)), signature);
}

// --- NIST curves: private keys as big-endian scalars of the field size, public keys as SEC1 points. ---

const JWK_CURVE = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' } as const;
export const CURVE_SCALAR_LENGTH = { prime256v1: 32, secp384r1: 48, secp521r1: 66 } as const;

function fixedLength(value: Uint8Array, length: number): Uint8Array {
  if (value.length === length) return value;
  if (value.length > length) throw new RangeError('EC: scalar too long');
  const out = new Uint8Array(length);
  out.set(value, length - value.length);
  return out;
}

/** A fresh key pair: private scalar (left-padded) and uncompressed public point. */
export function ecGenerate(curve: NistCurve): { secret: Uint8Array; publicKey: Uint8Array } {
  const ecdh = createECDH(curve);
  const publicKey = bytes(ecdh.generateKeys());
  return { secret: fixedLength(bytes(ecdh.getPrivateKey()), CURVE_SCALAR_LENGTH[curve]), publicKey };
}

/** The uncompressed public point of a private scalar; throws when the scalar is 0 or ≥ the order. */
export function ecPublicKey(curve: NistCurve, secret: Uint8Array): Uint8Array {
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(secret);
  return bytes(ecdh.getPublicKey());
}

/** ECDH: the x-coordinate of the shared point, field-size long (RFC 9180 §7.1.1, SEC1 §3.3.1). */
export function ecdh(curve: NistCurve, secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const agreement = createECDH(curve);
  agreement.setPrivateKey(secret);
  return fixedLength(bytes(agreement.computeSecret(publicKey)), CURVE_SCALAR_LENGTH[curve]);
}

/** Any SEC1 point (compressed or not) in uncompressed form; throws when it is not on the curve. */
export function ecUncompressed(curve: NistCurve, publicKey: Uint8Array): Uint8Array {
  if (publicKey[0] === 0x04) return publicKey;
  const converted = ECDH.convertKey(publicKey, curve, undefined, undefined, 'uncompressed');
  return typeof converted === 'string' ? hex(converted) : bytes(converted);
}

function ecJwk(curve: NistCurve, point: Uint8Array): { kty: 'EC'; crv: string; x: string; y: string } {
  const size = CURVE_SCALAR_LENGTH[curve];
  if (point.length !== 1 + 2 * size || point[0] !== 0x04) throw new RangeError('EC: malformed public key');
  return { kty: 'EC', crv: JWK_CURVE[curve], x: base64url(point.subarray(1, 1 + size)), y: base64url(point.subarray(1 + size)) };
}

// Private signing keys are the device's own: one per suite, used for every signature. Their
// KeyObjects are kept by identity of the byte array (WeakMap: nothing outlives the caller's key).
const privateSigningKeys = new WeakMap<Uint8Array, KeyObject>();

function ecPrivate(curve: NistCurve, secret: Uint8Array): KeyObject {
  let key = privateSigningKeys.get(secret);
  if (key === undefined) {
    const scalar = fixedLength(secret, CURVE_SCALAR_LENGTH[curve]);
    key = createPrivateKey({ key: { ...ecJwk(curve, ecPublicKey(curve, scalar)), d: base64url(scalar) }, format: 'jwk' });
    privateSigningKeys.set(secret, key);
  }
  return key;
}

/** ECDSA over `hash`, DER-encoded signature (RFC 9420 §5.1.2 via RFC 8446 §4.2.3). */
export function ecdsaSign(curve: NistCurve, hash: HashName, secret: Uint8Array, message: Uint8Array): Uint8Array {
  return bytes(sign(hash, message, { key: ecPrivate(curve, secret), dsaEncoding: 'der' }));
}

export function ecdsaVerify(curve: NistCurve, hash: HashName, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = cachedPublic(curve, publicKey, () => createPublicKey({ key: ecJwk(curve, ecUncompressed(curve, publicKey)), format: 'jwk' }));
  return verify(hash, message, { key, dsaEncoding: 'der' }, signature);
}

// Members' public signature keys are verified again and again (every commit, every Welcome
// checks each leaf): parsed keys are kept, a bounded number, by their bytes.
const PUBLIC_KEY_CACHE_SIZE = 2048;
const publicKeys = new Map<string, KeyObject>();

function cachedPublic(kind: string, publicKey: Uint8Array, parse: () => KeyObject): KeyObject {
  const id = `${kind}:${Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64')}`;
  let key = publicKeys.get(id);
  if (key === undefined) {
    key = parse();
    if (publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) publicKeys.clear();
    publicKeys.set(id, key);
  }
  return key;
}

// --- Byte helpers. ---

/**
 * A plain Uint8Array copy of a Buffer: ts-mls compares with deep equality in places, and a view
 * could pin (or expose, through `.buffer`) the rest of Node's shared allocation pool.
 */
function bytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer);
}

function hex(text: string): Uint8Array {
  return bytes(Buffer.from(text, 'hex'));
}

function base64url(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64url');
}
