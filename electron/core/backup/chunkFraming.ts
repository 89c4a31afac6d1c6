import { BackupFailure } from './backupErrors';

/**
 * Plaintext bytes per secretstream chunk. 64 KiB keeps the per-chunk cost (4-byte length +
 * 17-byte secretstream tag ≈ 0.03 %) and the number of WASM calls low, while the reader and the
 * writer each hold one chunk at a time and check for cancellation every chunk (a few hundred
 * records). Recorded in the header, so it can change without a new format version.
 */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 1024 * 1024;
/** Each chunk's plaintext starts with the count of payload bytes it carries (u32, big-endian). */
export const CHUNK_LENGTH_BYTES = 4;

export function chunkSizeInBounds(size: number): boolean {
  return Number.isInteger(size) && size >= MIN_CHUNK_SIZE && size <= MAX_CHUNK_SIZE;
}

/** Payload bytes one chunk can carry. */
export function chunkCapacity(chunkSize: number): number {
  return chunkSize - CHUNK_LENGTH_BYTES;
}

/**
 * Every chunk's plaintext is exactly `chunkSize` bytes — length, payload, zero padding — so
 * every ciphertext chunk has the same size. A reader can then tell a cut file (a short piece at
 * the end) from a damaged one (a full chunk that fails authentication) without guessing.
 */
export function frameChunk(payload: Uint8Array, chunkSize: number): Uint8Array {
  if (payload.length > chunkCapacity(chunkSize)) throw new RangeError('payload larger than a chunk');
  const framed = new Uint8Array(chunkSize);
  new DataView(framed.buffer).setUint32(0, payload.length);
  framed.set(payload, CHUNK_LENGTH_BYTES);
  return framed;
}

/** The payload of an authenticated chunk; a wrong length or non-zero padding means a bad writer. */
export function unframeChunk(plain: Uint8Array, chunkSize: number): Uint8Array {
  if (plain.length !== chunkSize) throw new BackupFailure('backup-corrupt');
  const length = new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(0);
  if (length > chunkCapacity(chunkSize)) throw new BackupFailure('backup-corrupt');
  const end = CHUNK_LENGTH_BYTES + length;
  for (let i = end; i < plain.length; i++) if (plain[i] !== 0) throw new BackupFailure('backup-corrupt');
  return plain.subarray(CHUNK_LENGTH_BYTES, end);
}
