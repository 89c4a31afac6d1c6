/**
 * CBOR encoding of content messages. Decoding never throws: a payload that is not CBOR, is
 * too large, or does not fit the schema comes back as a typed failure, and a message of a type
 * this version does not know is reported as such so the UI can say "update Cairn" instead of
 * "could not decrypt".
 */
import { Decoder, Encoder } from 'cbor-x';
import type { Result } from '../result';
import { err, ok } from '../result';
import type { ContentMessage } from './schema';
import { CONTENT_TYPES, ContentMessageSchema } from './schema';

/** Larger than any valid content message (8000 characters of text, mentions, metadata). */
export const MAX_CONTENT_BYTES = 64 * 1024;

export const CONTENT_ERRORS = {
  'content-malformed': 'The message could not be read. It may come from a faulty or modified client.',
  'content-unknown-type': 'This message needs a newer version of Cairn.',
  'content-too-large': 'The message is larger than Cairn accepts.',
} as const;

export type ContentErrorCode = keyof typeof CONTENT_ERRORS;

// Plain CBOR only: no record structures or shared-structure extensions, so any CBOR
// implementation can read what we write, and hostile input cannot switch decoder modes.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export function encodeContent(message: ContentMessage): Uint8Array {
  const checked = ContentMessageSchema.parse(message);
  return encoder.encode(checked);
}

export function decodeContent(bytes: Uint8Array): Result<ContentMessage> {
  if (bytes.length > MAX_CONTENT_BYTES) return err('content-too-large', CONTENT_ERRORS['content-too-large']);
  let raw: unknown;
  try {
    raw = decoder.decode(bytes);
  } catch {
    return err('content-malformed', CONTENT_ERRORS['content-malformed']);
  }
  const parsed = ContentMessageSchema.safeParse(normaliseBytes(raw));
  if (parsed.success) return ok(parsed.data);
  if (hasUnknownType(raw)) return err('content-unknown-type', CONTENT_ERRORS['content-unknown-type']);
  return err('content-malformed', CONTENT_ERRORS['content-malformed']);
}

function hasUnknownType(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || !('v' in raw) || raw.v !== 1) return false;
  if (!('content' in raw) || typeof raw.content !== 'object' || raw.content === null) return false;
  const type = 'type' in raw.content ? raw.content.type : undefined;
  return typeof type === 'string' && !CONTENT_TYPES.has(type);
}

/** cbor-x returns Node Buffers for byte strings; the schemas expect plain Uint8Array views. */
function normaliseBytes(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map((v) => normaliseBytes(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    // A null-prototype object: a key named "__proto__" stays a plain (rejected) key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[k] = normaliseBytes(v, depth + 1);
    return out;
  }
  return value;
}
