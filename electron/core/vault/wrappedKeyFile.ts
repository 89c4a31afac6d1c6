import { z } from 'zod';
import type { KdfParams } from './kdfParams';
import { kdfParamsInBounds } from './kdfParams';

export const WRAPPED_KEY_FORMAT = 'cairn-wrapped-db-key';
export const WRAPPED_KEY_VERSION = 1;
export const SALT_BYTES = 16;
export const NONCE_BYTES = 24;
/** 32-byte key + 16-byte Poly1305 tag. */
export const WRAPPED_KEY_BYTES = 48;

/** Everything but the ciphertext; bound to it as associated data so none of it can be swapped. */
export interface WrappedKeyHeader {
  readonly version: number;
  readonly kdf: KdfParams;
  readonly salt: Uint8Array;
}

export interface WrappedKey {
  readonly header: WrappedKeyHeader;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const bytes = (length: number) =>
  z
    .string()
    .regex(BASE64)
    .transform((s) => new Uint8Array(Buffer.from(s, 'base64')))
    .refine((b) => b.length === length, `must decode to ${length} bytes`);

const fileSchema = z.strictObject({
  format: z.literal(WRAPPED_KEY_FORMAT),
  version: z.number().int().positive(),
  kdf: z.strictObject({
    alg: z.literal('argon2id13'),
    opsLimit: z.number().int(),
    memLimitBytes: z.number().int(),
    salt: bytes(SALT_BYTES),
  }),
  aead: z.literal('xchacha20poly1305-ietf'),
  nonce: bytes(NONCE_BYTES),
  ciphertext: bytes(WRAPPED_KEY_BYTES),
});

export type ParsedWrappedKey =
  | Readonly<{ kind: 'ok'; value: WrappedKey }>
  | Readonly<{ kind: 'too-new'; version: number }>
  | Readonly<{ kind: 'invalid'; reason: string }>;

/**
 * Parses the key file's text. A newer format version is reported apart from damage, so the
 * user is told to update rather than that their file is broken.
 */
export function parseWrappedKeyFile(text: string): ParsedWrappedKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const version = z.looseObject({ format: z.literal(WRAPPED_KEY_FORMAT), version: z.number() }).safeParse(json);
  if (version.success && version.data.version > WRAPPED_KEY_VERSION) return { kind: 'too-new', version: version.data.version };
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', reason: parsed.error.issues.map((i) => i.path.join('.')).join(', ') };
  const { kdf, nonce, ciphertext } = parsed.data;
  const params: KdfParams = { opsLimit: kdf.opsLimit, memLimitBytes: kdf.memLimitBytes };
  if (!kdfParamsInBounds(params)) return { kind: 'invalid', reason: 'KDF parameters out of bounds' };
  return { kind: 'ok', value: { header: { version: parsed.data.version, kdf: params, salt: kdf.salt }, nonce, ciphertext } };
}

export function serializeWrappedKeyFile(wrapped: WrappedKey): string {
  const { header, nonce, ciphertext } = wrapped;
  const file = {
    format: WRAPPED_KEY_FORMAT,
    version: header.version,
    kdf: {
      alg: 'argon2id13',
      opsLimit: header.kdf.opsLimit,
      memLimitBytes: header.kdf.memLimitBytes,
      salt: Buffer.from(header.salt).toString('base64'),
    },
    aead: 'xchacha20poly1305-ietf',
    nonce: Buffer.from(nonce).toString('base64'),
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The associated data for the AEAD: a canonical encoding built from the parsed header, not
 * the file's bytes, so whitespace or key order cannot matter while every field still does.
 */
export function headerAssociatedData(header: WrappedKeyHeader): Uint8Array {
  const text = [
    WRAPPED_KEY_FORMAT,
    `v${header.version}`,
    'argon2id13',
    `ops=${header.kdf.opsLimit}`,
    `mem=${header.kdf.memLimitBytes}`,
    `salt=${Buffer.from(header.salt).toString('base64')}`,
    'xchacha20poly1305-ietf',
  ].join('|');
  return new TextEncoder().encode(text);
}
