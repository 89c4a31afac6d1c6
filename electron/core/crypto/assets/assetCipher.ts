/**
 * Asset encryption as seed 002 ("Assets") describes: a fresh random AES-256 key per asset,
 * CBC with PKCS#7 padding, and the SHA-256 of the ciphertext. The 16-byte IV is written in
 * front of the ciphertext and covered by the hash, as Wire clients do. Key and hash travel only
 * inside the E2EE message. The receiver verifies the hash over the whole ciphertext BEFORE it
 * decrypts a single byte, so tampered or truncated downloads never reach the decryptor.
 *
 * Files are streamed: memory stays flat whatever the size.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CoreError, IPC_ERRORS } from '../../ipc/errors';

const ALGORITHM = 'aes-256-cbc';
const IV_BYTES = 16;
export const ASSET_KEY_BYTES = 32;

export interface EncryptedAsset {
  readonly key: Uint8Array;
  readonly sha256: Uint8Array;
  /** Bytes of ciphertext, IV included: what is uploaded. */
  readonly cipherSize: number;
  readonly plainSize: number;
}

export type Progress = (done: number, total: number | undefined) => void;

/** Encrypts `source` into `outPath` (written to a temporary name, renamed when complete). */
export async function encryptAssetFile(
  source: Readable | string,
  outPath: string,
  options: { readonly totalBytes?: number; readonly onProgress?: Progress; readonly signal?: AbortSignal } = {},
): Promise<EncryptedAsset> {
  const key = randomBytes(ASSET_KEY_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const hash = createHash('sha256').update(iv);
  let plainSize = 0;
  let cipherSize = IV_BYTES;
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const total = options.totalBytes ?? (typeof source === 'string' ? (await stat(source)).size : undefined);
  const temporary = `${outPath}.partial`;
  const output = createWriteStream(temporary);
  output.write(iv);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      plainSize += chunk.length;
      options.onProgress?.(plainSize, total);
      done(null, chunk);
    },
  });
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      cipherSize += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(input, count, cipher, hashing, output, { signal: options.signal });
    await rename(temporary, outPath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error instanceof CoreError ? error : new CoreError(isAbort(error) ? 'asset-cancelled' : 'asset-io', describe(error));
  }
  return { key: new Uint8Array(key), sha256: new Uint8Array(hash.digest()), cipherSize, plainSize };
}

/**
 * Verifies the ciphertext's SHA-256 and only then decrypts it into `outPath`. On any failure
 * nothing is left at `outPath`.
 */
export async function decryptAssetFile(
  cipherPath: string,
  outPath: string,
  key: Uint8Array,
  expectedSha256: Uint8Array,
  options: { readonly onProgress?: Progress; readonly signal?: AbortSignal } = {},
): Promise<{ readonly plainSize: number }> {
  if (key.length !== ASSET_KEY_BYTES || expectedSha256.length !== 32) {
    throw new CoreError('asset-bad-metadata', 'The file message carries a malformed key or hash.');
  }
  const actual = await sha256OfFile(cipherPath, options.signal);
  if (!timingSafeEqual(actual, expectedSha256)) {
    throw new CoreError('asset-hash-mismatch');
  }
  const size = (await stat(cipherPath)).size;
  if (size < 2 * IV_BYTES) throw new CoreError('asset-decrypt-failed');
  const iv = await readHead(cipherPath, IV_BYTES);
  const decipher = createDecipheriv(ALGORITHM, key, iv);
  let plainSize = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      plainSize += chunk.length;
      options.onProgress?.(plainSize, undefined);
      done(null, chunk);
    },
  });
  const temporary = `${outPath}.partial`;
  try {
    await pipeline(createReadStream(cipherPath, { start: IV_BYTES }), decipher, count, createWriteStream(temporary), {
      signal: options.signal,
    });
    await rename(temporary, outPath);
  } catch (error) {
    await rm(temporary, { force: true });
    if (isAbort(error)) throw new CoreError('asset-cancelled');
    throw new CoreError('asset-decrypt-failed');
  }
  return { plainSize };
}

/** Checks the SHA-256 of a ciphertext file against the one from the E2EE message. */
export async function verifyAssetFile(cipherPath: string, expectedSha256: Uint8Array, signal?: AbortSignal): Promise<void> {
  const actual = await sha256OfFile(cipherPath, signal);
  if (expectedSha256.length !== 32 || !timingSafeEqual(actual, expectedSha256)) {
    throw new CoreError('asset-hash-mismatch');
  }
}

/** In-memory form for small assets (previews, profile pictures). */
export function encryptAssetBytes(plain: Uint8Array): EncryptedAsset & { readonly ciphertext: Uint8Array } {
  const key = randomBytes(ASSET_KEY_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const ciphertext = Buffer.concat([iv, cipher.update(plain), cipher.final()]);
  const sha256 = createHash('sha256').update(ciphertext).digest();
  return {
    key: new Uint8Array(key),
    sha256: new Uint8Array(sha256),
    ciphertext: new Uint8Array(ciphertext),
    cipherSize: ciphertext.length,
    plainSize: plain.length,
  };
}

export function decryptAssetBytes(ciphertext: Uint8Array, key: Uint8Array, expectedSha256: Uint8Array): Uint8Array<ArrayBuffer> {
  const actual = createHash('sha256').update(ciphertext).digest();
  if (expectedSha256.length !== 32 || !timingSafeEqual(actual, expectedSha256)) {
    throw new CoreError('asset-hash-mismatch');
  }
  if (key.length !== ASSET_KEY_BYTES || ciphertext.length < 2 * IV_BYTES) {
    throw new CoreError('asset-decrypt-failed');
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, ciphertext.subarray(0, IV_BYTES));
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext.subarray(IV_BYTES)), decipher.final()]));
  } catch {
    throw new CoreError('asset-decrypt-failed');
  }
}

async function sha256OfFile(file: string, signal: AbortSignal | undefined): Promise<Buffer> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(file), hash, { signal });
  } catch (error) {
    throw new CoreError(isAbort(error) ? 'asset-cancelled' : 'asset-io', describe(error));
  }
  return hash.digest();
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1 })) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function describe(error: unknown): string {
  return error instanceof Error ? `The file could not be processed: ${error.message}` : IPC_ERRORS['asset-io'];
}
