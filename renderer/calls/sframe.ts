/**
 * SFrame (RFC 9605) with cipher suite 0x0005, AES_256_GCM_SHA512_128, on WebCrypto: the header
 * codec (§4.3), the key and salt derivation (§4.4.2), encryption and decryption of one frame
 * (§4.4.3, §4.4.4), the sender-key ratchet (§5.1) and the MLS key id layout (§5.2).
 *
 * Used by the frame worker (browser) and by the unit tests (Node 20 has the same
 * `globalThis.crypto.subtle`), so it touches no DOM and no Node API. Every function that reads
 * bytes from the network returns a result value instead of throwing: a malformed frame is one
 * dropped frame, never a dead worker.
 */

/** RFC 9605 §4.5 cipher suite 0x0005: AES-256-GCM, HKDF-SHA512, 128-bit tag. */
export const CIPHER_SUITE = 0x0005;
/** Nk, Nn, Nt and Nh of suite 0x0005 (RFC 9605 §4.5, table 3). */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const HASH_BYTES = 64;

/** KID and CTR are unsigned 64-bit values on the wire (RFC 9605 §4.3). */
const MAX_U64 = (1n << 64n) - 1n;

export type Bytes = Uint8Array<ArrayBuffer>;

export interface SframeHeader {
  readonly kid: bigint;
  readonly ctr: bigint;
  /** Bytes the header takes on the wire (1 to 17). */
  readonly length: number;
}

export type SframeErrorCode = 'truncated-header' | 'truncated-frame' | 'value-out-of-range' | 'authentication-failed';

export type SframeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SframeErrorCode };

const ok = <T>(value: T): SframeResult<T> => ({ ok: true, value });
const fail = <T>(error: SframeErrorCode): SframeResult<T> => ({ ok: false, error });

function byteLength(value: bigint): number {
  let n = 1;
  while (value >> BigInt(8 * n) > 0n) n += 1;
  return n;
}

function writeBigEndian(out: Bytes, offset: number, value: bigint, length: number): void {
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function readBigEndian(input: Uint8Array, offset: number, length: number): bigint {
  let v = 0n;
  for (let i = 0; i < length; i++) v = (v << 8n) | BigInt(input[offset + i] ?? 0);
  return v;
}

/**
 * RFC 9605 §4.3: one config byte `X K K K Y C C C`; a KID or CTR below 8 sits in its three bits,
 * a larger one follows in (bits + 1) big-endian bytes with X or Y set. The shortest form is
 * always written, as the RFC's test vectors do.
 */
export function encodeHeader(kid: bigint, ctr: bigint): SframeResult<Bytes> {
  if (kid < 0n || kid > MAX_U64 || ctr < 0n || ctr > MAX_U64) return fail('value-out-of-range');
  const kidLength = kid < 8n ? 0 : byteLength(kid);
  const ctrLength = ctr < 8n ? 0 : byteLength(ctr);
  const out = new Uint8Array(1 + kidLength + ctrLength);
  const kidBits = kidLength === 0 ? Number(kid) << 4 : 0x80 | ((kidLength - 1) << 4);
  const ctrBits = ctrLength === 0 ? Number(ctr) : 0x08 | (ctrLength - 1);
  out[0] = kidBits | ctrBits;
  if (kidLength > 0) writeBigEndian(out, 1, kid, kidLength);
  if (ctrLength > 0) writeBigEndian(out, 1 + kidLength, ctr, ctrLength);
  return ok(out);
}

/** Reads a header starting at `offset`; a header that runs past the end is 'truncated-header'. */
export function decodeHeader(input: Uint8Array, offset = 0): SframeResult<SframeHeader> {
  const config = input[offset];
  if (config === undefined) return fail('truncated-header');
  let position = offset + 1;
  let kid: bigint;
  if ((config & 0x80) !== 0) {
    const length = ((config >> 4) & 0x07) + 1;
    if (position + length > input.length) return fail('truncated-header');
    kid = readBigEndian(input, position, length);
    position += length;
  } else {
    kid = BigInt((config >> 4) & 0x07);
  }
  let ctr: bigint;
  if ((config & 0x08) !== 0) {
    const length = (config & 0x07) + 1;
    if (position + length > input.length) return fail('truncated-header');
    ctr = readBigEndian(input, position, length);
    position += length;
  } else {
    ctr = BigInt(config & 0x07);
  }
  return ok({ kid, ctr, length: position - offset });
}

const encoder = new TextEncoder();

/** HKDF-Expand(HKDF-Extract("", ikm), info, length) with SHA-512, as RFC 9605 §4.4.2 and §5.1 use it. */
async function hkdfSha512(ikm: Bytes, info: Bytes, length: number): Promise<Bytes> {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-512', salt: new Uint8Array(0), info }, key, length * 8);
  return new Uint8Array(bits);
}

/** `label || KID (8 bytes) || cipher suite (2 bytes)`, RFC 9605 §4.4.2. */
function derivationLabel(prefix: string, kid: bigint): Bytes {
  const text = encoder.encode(prefix);
  const out = new Uint8Array(text.length + 10);
  out.set(text);
  writeBigEndian(out, text.length, kid, 8);
  writeBigEndian(out, text.length + 8, BigInt(CIPHER_SUITE), 2);
  return out;
}

export interface RawKeySalt {
  readonly key: Bytes;
  readonly salt: Bytes;
}

/** RFC 9605 §4.4.2 derive_key_salt(KID, base_key). */
export async function deriveKeySalt(kid: bigint, baseKey: Bytes): Promise<RawKeySalt> {
  const [key, salt] = await Promise.all([
    hkdfSha512(baseKey, derivationLabel('SFrame 1.0 Secret key ', kid), KEY_BYTES),
    hkdfSha512(baseKey, derivationLabel('SFrame 1.0 Secret salt ', kid), NONCE_BYTES),
  ]);
  return { key, salt };
}

/** RFC 9605 §5.1: the next base key of a sender, HKDF-Expand(HKDF-Extract("", key), "SFrame 1.0 Ratchet", Nh). */
export function ratchetBaseKey(baseKey: Bytes): Promise<Bytes> {
  return hkdfSha512(baseKey, encoder.encode('SFrame 1.0 Ratchet'), HASH_BYTES);
}

type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** A KID's AES key (not extractable) and salt, ready for frames. */
export interface SframeKey {
  readonly kid: bigint;
  readonly aes: AesKey;
  readonly salt: Bytes;
}

export async function importSframeKey(kid: bigint, baseKey: Bytes): Promise<SframeKey> {
  const raw = await deriveKeySalt(kid, baseKey);
  const aes = await crypto.subtle.importKey('raw', raw.key, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { kid, aes, salt: raw.salt };
}

/** RFC 9605 §4.4.3: nonce = salt XOR CTR, the counter left-padded to Nn bytes. */
function nonceFor(salt: Bytes, ctr: bigint): Bytes {
  const nonce = new Uint8Array(NONCE_BYTES);
  writeBigEndian(nonce, 0, ctr, NONCE_BYTES);
  for (let i = 0; i < NONCE_BYTES; i++) nonce[i] = (nonce[i] ?? 0) ^ (salt[i] ?? 0);
  return nonce;
}

function concat(a: Uint8Array, b: Uint8Array): Bytes {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * RFC 9605 §4.4.3: returns `header || ciphertext || tag`; the AAD is `header || metadata`.
 * The caller guarantees that (key, ctr) is never used twice.
 */
export async function encryptFrame(key: SframeKey, ctr: bigint, metadata: Uint8Array, plaintext: Bytes): Promise<SframeResult<Bytes>> {
  const header = encodeHeader(key.kid, ctr);
  if (!header.ok) return header;
  const aad = concat(header.value, metadata);
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonceFor(key.salt, ctr), additionalData: aad, tagLength: 128 }, key.aes, plaintext);
  return ok(concat(header.value, new Uint8Array(ciphertext)));
}

/**
 * RFC 9605 §4.4.4 for a frame whose header was already read (the caller picked the key by its
 * KID). A wrong key, a changed byte or changed metadata is 'authentication-failed'.
 */
export async function decryptFrame(key: SframeKey, header: SframeHeader, metadata: Uint8Array, frame: Bytes): Promise<SframeResult<Bytes>> {
  if (frame.length < header.length + TAG_BYTES) return fail('truncated-frame');
  const aad = concat(frame.subarray(0, header.length), metadata);
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: nonceFor(key.salt, header.ctr), additionalData: aad, tagLength: 128 },
      key.aes,
      frame.subarray(header.length),
    );
    return ok(new Uint8Array(plaintext));
  } catch {
    // WebCrypto reports a failed tag check only as an OperationError.
    return fail('authentication-failed');
  }
}

/**
 * RFC 9605 §5.2 with Cairn's choice of bits: KID = (ratchet step << 16) | (leaf index << 8) |
 * (epoch & 0xff). The step takes the "context" bits so the 30 s ratchet of conferences needs
 * no extra field; 8 bits of leaf index cover 256 call members.
 */
export interface KidParts {
  readonly step: number;
  readonly leaf: number;
  readonly epochLow: number;
}

export const LEAF_LIMIT = 256;
export const EPOCH_LOW_MASK = 0xff;

export function makeKid(parts: KidParts): bigint {
  return (BigInt(parts.step) << 16n) | (BigInt(parts.leaf & 0xff) << 8n) | BigInt(parts.epochLow & EPOCH_LOW_MASK);
}

export function splitKid(kid: bigint): KidParts {
  return { step: Number(kid >> 16n), leaf: Number((kid >> 8n) & 0xffn), epochLow: Number(kid & 0xffn) };
}
