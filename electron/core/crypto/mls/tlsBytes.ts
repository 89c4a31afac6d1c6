/*
 * The few TLS-presentation-language pieces (RFC 9420 §2.1) the engine needs itself: the
 * variable-length integer used for vector lengths, and a length-prefixed framing for our own
 * storage records. Everything else is encoded by ts-mls.
 */

/** RFC 9420 §2.1.2: 1, 2 or 4 bytes; the top two bits say which. Lengths up to 2^30 - 1. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 30) throw new RangeError('varint out of range');
  if (value < 64) return Uint8Array.of(value);
  if (value < 16384) return Uint8Array.of(0x40 | (value >> 8), value & 0xff);
  return Uint8Array.of(0x80 | (value >>> 24), (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/** Reads a varint at `offset`; undefined when truncated, invalid, or not minimally encoded. */
export function decodeVarint(bytes: Uint8Array, offset: number): { value: number; length: number } | undefined {
  const first = bytes[offset];
  if (first === undefined) return undefined;
  const prefix = first >> 6;
  const length = prefix === 0 ? 1 : prefix === 1 ? 2 : prefix === 2 ? 4 : 0;
  if (length === 0 || offset + length > bytes.length) return undefined;
  let value = first & 0x3f;
  for (let i = 1; i < length; i++) value = value * 256 + (bytes[offset + i] ?? 0);
  const minimal = length === 1 || (length === 2 ? value >= 64 : value >= 16384);
  return minimal ? { value, length } : undefined;
}

/** `opaque data<V>`: varint length, then the bytes. */
export function encodeVector(data: Uint8Array): Uint8Array {
  return concatBytes([encodeVarint(data.length), data]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Frames records as a sequence of vectors (for our own storage formats). */
export function encodeVectors(parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes(parts.map(encodeVector));
}

/** Splits a sequence of vectors; undefined unless the bytes are exactly `count` vectors. */
export function decodeVectors(bytes: Uint8Array, count: number): Uint8Array[] | undefined {
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (parts.length < count) {
    const length = decodeVarint(bytes, offset);
    if (length === undefined || offset + length.length + length.value > bytes.length) return undefined;
    offset += length.length;
    parts.push(bytes.slice(offset, offset + length.value));
    offset += length.value;
  }
  return offset === bytes.length ? parts : undefined;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
