import { Decoder, Encoder } from 'cbor-x';
import type { ProteusErrorCode } from './proteusErrors';
import { ProteusFailure } from './proteusErrors';

/**
 * The CBOR subset Wire's Proteus writes (@wireapp/cbor and the Rust `cbor` crate): definite
 * maps keyed by small unsigned integers, minimal-length unsigned integers, byte strings and
 * null. Encoding through cbor-x with records and typed-array tags off gives the same bytes.
 * Decoding is tolerant the way Rust proteus is (keys in any order, unknown keys skipped) and
 * strict about types: anything unexpected is a `ProteusFailure` with the caller's code.
 */

export type CborValue = number | Uint8Array | null | CborMap | CborPairs | readonly CborValue[];
export type CborMap = ReadonlyMap<number, CborValue>;

/** A map keyed by byte strings (Wire's Session keeps its states keyed by session tag). */
export class CborPairs {
  constructor(readonly pairs: ReadonlyArray<readonly [Uint8Array, CborValue]>) {}
}

type Encodable = number | Uint8Array | null | Map<number | Uint8Array, Encodable> | Encodable[];

const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  pack: false,
});
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export function encodeCbor(value: CborValue): Uint8Array {
  const out = encoder.encode(toEncodable(value));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
}

/** Concatenation of several top-level items (Wire's message = type tag, then the map). */
export function encodeCborSequence(values: readonly CborValue[]): Uint8Array {
  const parts = values.map(encodeCbor);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function toEncodable(value: CborValue): Encodable {
  if (typeof value === 'number') {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      throw new ProteusFailure('proteus-invalid-argument', 'Only unsigned 32-bit integers are encoded.');
    }
    return value;
  }
  if (value === null || value instanceof Uint8Array) return value;
  if (isCborArray(value)) return value.map(toEncodable);
  if (value instanceof CborPairs) return new Map(value.pairs.map(([key, inner]) => [key, toEncodable(inner)]));
  return new Map([...value.entries()].map(([key, inner]) => [key, toEncodable(inner)]));
}

function isCborArray(value: CborValue): value is readonly CborValue[] {
  return Array.isArray(value);
}

/** Decodes exactly one item and fails on trailing bytes. */
export function decodeCbor(bytes: Uint8Array, code: ProteusErrorCode): CborValue {
  const items = decodeCborSequence(bytes, code);
  const [first] = items;
  if (items.length !== 1 || first === undefined) throw new ProteusFailure(code);
  return first;
}

export function decodeCborSequence(bytes: Uint8Array, code: ProteusErrorCode): CborValue[] {
  if (bytes.length === 0) throw new ProteusFailure(code);
  let raw: unknown;
  try {
    raw = decoder.decodeMultiple(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    throw new ProteusFailure(code);
  }
  if (!Array.isArray(raw)) throw new ProteusFailure(code);
  const items: unknown[] = raw;
  return items.map((item) => toCborValue(item, code, 0));
}

const MAX_DEPTH = 16;

function toCborValue(item: unknown, code: ProteusErrorCode, depth: number): CborValue {
  if (depth > MAX_DEPTH) throw new ProteusFailure(code);
  if (item === null) return null;
  if (typeof item === 'number') {
    if (!Number.isSafeInteger(item) || item < 0) throw new ProteusFailure(code);
    return item;
  }
  if (item instanceof Uint8Array) return new Uint8Array(item);
  if (item instanceof Map && item.size > 0 && [...item.keys()].every((key) => key instanceof Uint8Array)) {
    const pairs: Array<readonly [Uint8Array, CborValue]> = [];
    for (const [key, value] of item.entries()) {
      if (!(key instanceof Uint8Array)) throw new ProteusFailure(code);
      pairs.push([new Uint8Array(key), toCborValue(value, code, depth + 1)]);
    }
    return new CborPairs(pairs);
  }
  if (item instanceof Map) {
    const out = new Map<number, CborValue>();
    for (const [key, value] of item.entries()) {
      if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 0 || out.has(key)) throw new ProteusFailure(code);
      out.set(key, toCborValue(value, code, depth + 1));
    }
    return out;
  }
  if (Array.isArray(item)) {
    const elements: unknown[] = item;
    return elements.map((element) => toCborValue(element, code, depth + 1));
  }
  throw new ProteusFailure(code);
}

/** Typed field access on a decoded map; every miss is a failure with the reader's code. */
export class CborReader {
  constructor(
    private readonly map: CborMap,
    readonly code: ProteusErrorCode,
  ) {}

  static of(value: CborValue | undefined, code: ProteusErrorCode): CborReader {
    if (!(value instanceof Map)) throw new ProteusFailure(code);
    return new CborReader(value, code);
  }

  uint(key: number, max: number): number {
    const value = this.map.get(key);
    if (typeof value !== 'number' || value > max) throw new ProteusFailure(this.code);
    return value;
  }

  bytes(key: number, length?: number): Uint8Array {
    const value = this.map.get(key);
    if (!(value instanceof Uint8Array)) throw new ProteusFailure(this.code);
    if (length !== undefined && value.length !== length) throw new ProteusFailure(this.code);
    return value;
  }

  isNull(key: number): boolean {
    const value = this.map.get(key);
    return value === null || value === undefined;
  }

  isMap(key: number): boolean {
    return this.map.get(key) instanceof Map;
  }

  nested(key: number): CborReader {
    return CborReader.of(this.map.get(key), this.code);
  }

  /** Byte-keyed map; an empty CBOR map decodes as an empty `CborMap`, accepted here too. */
  pairs(key: number): CborPairs {
    const value = this.map.get(key);
    if (value instanceof CborPairs) return value;
    if (value instanceof Map && value.size === 0) return new CborPairs([]);
    throw new ProteusFailure(this.code);
  }

  array(key: number): readonly CborValue[] {
    const value = this.map.get(key);
    if (!Array.isArray(value)) throw new ProteusFailure(this.code);
    return value;
  }
}

export function cborMap(entries: ReadonlyArray<readonly [number, CborValue]>): CborMap {
  return new Map(entries);
}
