import type { HpkeKem, KemKeyPair } from './hpkeKem';
import { KeyHandles } from './keyHandles';
import type { LabeledKdf } from './labeledKdf';
import { concat, i2osp, labeledKdf } from './labeledKdf';
import type { HashName, NistCurve } from './nodePrimitives';
import { CURVE_SCALAR_LENGTH, ecGenerate, ecPublicKey, ecUncompressed, ecdh, okpPublicKey, randomBytes, x25519 } from './nodePrimitives';

/*
 * DHKEM (RFC 9180 §4.1) over node:crypto for the curves of Cairn's suites. Keys are kept as the
 * RFC's serialized forms (raw scalar / SEC1 uncompressed point, raw X25519 strings) and turned
 * into OpenSSL keys only for the one operation that needs them.
 */

type Curve = 'x25519' | NistCurve;

type DhKemSpec = Readonly<{
  id: number;
  curve: Curve;
  hash: HashName;
  /** Nsecret. */
  secretLength: number;
  /** Nsk. */
  privateKeyLength: number;
  /** Bit mask of DeriveKeyPair's rejection sampling (RFC 9180 §7.1.3), NIST curves only. */
  bitmask: number;
  /** Group order, NIST curves only (0n for X25519). */
  order: bigint;
}>;

export const DHKEM_SPECS = {
  'DHKEM-X25519-HKDF-SHA256': { id: 0x0020, curve: 'x25519', hash: 'sha256', secretLength: 32, privateKeyLength: 32, bitmask: 0xff, order: 0n },
  'DHKEM-P256-HKDF-SHA256': {
    id: 0x0010,
    curve: 'prime256v1',
    hash: 'sha256',
    secretLength: 32,
    privateKeyLength: CURVE_SCALAR_LENGTH.prime256v1,
    bitmask: 0xff,
    order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  },
  'DHKEM-P384-HKDF-SHA384': {
    id: 0x0011,
    curve: 'secp384r1',
    hash: 'sha384',
    secretLength: 48,
    privateKeyLength: CURVE_SCALAR_LENGTH.secp384r1,
    bitmask: 0xff,
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  'DHKEM-P521-HKDF-SHA512': {
    id: 0x0012,
    curve: 'secp521r1',
    hash: 'sha512',
    secretLength: 64,
    privateKeyLength: CURVE_SCALAR_LENGTH.secp521r1,
    bitmask: 0x01,
    order: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
} as const satisfies Record<string, DhKemSpec>;

export type DhKemName = keyof typeof DHKEM_SPECS;

type Secret = Readonly<{ secret: Uint8Array; publicKey: Uint8Array }>;

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

export function makeDhKem(name: DhKemName): HpkeKem {
  const spec: DhKemSpec = DHKEM_SPECS[name];
  const kdf: LabeledKdf = labeledKdf(spec.hash, concat(new TextEncoder().encode('KEM'), i2osp(spec.id, 2)));
  const handles = new KeyHandles<Uint8Array, Secret>(name);
  const empty = new Uint8Array(0);

  const publicOfSecret = (secret: Uint8Array): Uint8Array =>
    spec.curve === 'x25519' ? okpPublicKey('x25519', secret) : ecPublicKey(spec.curve, secret);
  const dh = (secret: Uint8Array, publicKey: Uint8Array): Uint8Array =>
    spec.curve === 'x25519' ? x25519(secret, publicKey) : ecdh(spec.curve, secret, publicKey);
  const pair = (secret: Uint8Array, publicKey: Uint8Array): KemKeyPair => ({
    privateKey: handles.wrapPrivate({ secret, publicKey }),
    publicKey: handles.wrapPublic(publicKey),
  });
  const fresh = (): Secret => {
    if (spec.curve !== 'x25519') return ecGenerate(spec.curve);
    const secret = randomBytes(32);
    return { secret, publicKey: okpPublicKey('x25519', secret) };
  };

  /** RFC 9180 §7.1.3. */
  const deriveSecret = (ikm: Uint8Array): Uint8Array => {
    const prk = kdf.labeledExtract(empty, 'dkp_prk', ikm);
    if (spec.curve === 'x25519') return kdf.labeledExpand(prk, 'sk', empty, spec.privateKeyLength);
    for (let counter = 0; counter < 256; counter++) {
      const candidate = kdf.labeledExpand(prk, 'candidate', i2osp(counter, 1), spec.privateKeyLength);
      candidate[0] = (candidate[0] ?? 0) & spec.bitmask;
      const value = toBigInt(candidate);
      if (value !== 0n && value < spec.order) return candidate;
    }
    throw new RangeError(`${name}: DeriveKeyPair found no key`);
  };

  const sharedSecret = (dhResult: Uint8Array, enc: Uint8Array, recipient: Uint8Array): Uint8Array => {
    const prk = kdf.labeledExtract(empty, 'eae_prk', dhResult);
    return kdf.labeledExpand(prk, 'shared_secret', concat(enc, recipient), spec.secretLength);
  };

  const checkedPublic = (bytes: Uint8Array): Uint8Array => {
    if (spec.curve === 'x25519') {
      if (bytes.length !== 32) throw new RangeError(`${name}: public key must be 32 bytes`);
      return bytes;
    }
    // RFC 9180 §7.1.1: SerializePublicKey is the uncompressed point; on-curve is checked by
    // the conversion (compressed input) or by ECDH itself.
    const point = ecUncompressed(spec.curve, bytes);
    if (point.length !== 1 + 2 * spec.privateKeyLength) throw new RangeError(`${name}: malformed public key`);
    return point;
  };

  return {
    id: spec.id,
    async generateKeyPair() {
      const { secret, publicKey } = fresh();
      return pair(secret, publicKey);
    },
    async deriveKeyPair(ikm) {
      const secret = deriveSecret(ikm);
      return pair(secret, publicOfSecret(secret));
    },
    async importPublicKey(bytes) {
      return handles.wrapPublic(checkedPublic(new Uint8Array(bytes)));
    },
    async importPrivateKey(bytes) {
      // Shorter P-521 scalars come from implementations that drop leading zeros
      // (mls-implementations#176); ts-mls pads them, so do we.
      if (bytes.length > spec.privateKeyLength) throw new RangeError(`${name}: private key too long`);
      const secret = new Uint8Array(spec.privateKeyLength);
      secret.set(bytes, spec.privateKeyLength - bytes.length);
      return handles.wrapPrivate({ secret, publicKey: publicOfSecret(secret) });
    },
    async exportPublicKey(key) {
      return new Uint8Array(handles.publicOf(key));
    },
    async exportPrivateKey(key) {
      return new Uint8Array(handles.privateOf(key).secret);
    },
    async encap(recipient) {
      const publicKey = handles.publicOf(recipient);
      const ephemeral = fresh();
      const enc = ephemeral.publicKey;
      return { sharedSecret: sharedSecret(dh(ephemeral.secret, publicKey), enc, publicKey), enc };
    },
    async decap(enc, recipient) {
      const own = handles.privateOf(recipient);
      return sharedSecret(dh(own.secret, checkedPublic(enc)), enc, own.publicKey);
    },
  };
}
