import type { HashName } from './nodePrimitives';
import { hkdfExpand, hmac } from './nodePrimitives';

const HPKE_V1 = new TextEncoder().encode('HPKE-v1');
const HASH_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

export function hashLength(hash: HashName): number {
  return HASH_LENGTH[hash];
}

/** HKDF-Extract (RFC 5869 §2.2); an empty salt is HashLen zeros, as the RFC says. */
export function extract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(hash, salt.length === 0 ? new Uint8Array(HASH_LENGTH[hash]) : salt, ikm);
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function i2osp(value: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

const text = (label: string) => new TextEncoder().encode(label);

/** RFC 9180 §4 LabeledExtract / LabeledExpand for one `suite_id`. */
export type LabeledKdf = Readonly<{
  hash: HashName;
  labeledExtract(salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array;
  labeledExpand(prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array;
}>;

export function labeledKdf(hash: HashName, suiteId: Uint8Array): LabeledKdf {
  return {
    hash,
    labeledExtract: (salt, label, ikm) => extract(hash, salt, concat(HPKE_V1, suiteId, text(label), ikm)),
    labeledExpand: (prk, label, info, length) => hkdfExpand(hash, prk, concat(i2osp(length, 2), HPKE_V1, suiteId, text(label), info), length),
  };
}
