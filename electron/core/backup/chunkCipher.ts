import type { Sodium } from '../vault/sodium';
import { BackupFailure } from './backupErrors';
import { frameChunk, unframeChunk } from './chunkFraming';

type StreamState = ReturnType<Sodium['crypto_secretstream_xchacha20poly1305_init_pull']>;

/**
 * Encrypts payload chunks with libsodium's XChaCha20-Poly1305 secretstream. Every chunk carries
 * the whole file header as associated data (cheap: one Poly1305 pass over ~140 bytes), so no
 * chunk can be moved under another header; the stream state chains the chunks, so none can be
 * dropped, repeated or reordered; the last one carries TAG_FINAL, so a cut file is refused.
 */
export class ChunkSealer {
  private readonly state: StreamState;
  readonly streamHeader: Uint8Array;
  private headerBytes: Uint8Array | undefined;

  constructor(
    private readonly sodium: Sodium,
    key: Uint8Array,
    private readonly chunkSize: number,
  ) {
    const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    this.state = state;
    this.streamHeader = header;
  }

  /** The finished header; set once, before the first chunk (the header needs `streamHeader`). */
  bindHeader(headerBytes: Uint8Array): void {
    this.headerBytes = headerBytes;
  }

  seal(payload: Uint8Array, final: boolean): Uint8Array {
    if (this.headerBytes === undefined) throw new Error('header not bound');
    const tag = final ? this.sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL : this.sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    return this.sodium.crypto_secretstream_xchacha20poly1305_push(this.state, frameChunk(payload, this.chunkSize), this.headerBytes, tag);
  }
}

export type OpenedChunk = Readonly<{ payload: Uint8Array; final: boolean }>;

/** The reading side of `ChunkSealer`; any failure to authenticate is `backup-corrupt`. */
export class ChunkOpener {
  private readonly state: StreamState;

  constructor(
    private readonly sodium: Sodium,
    key: Uint8Array,
    streamHeader: Uint8Array,
    private readonly headerBytes: Uint8Array,
    private readonly chunkSize: number,
  ) {
    this.state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(streamHeader, key);
  }

  /** Ciphertext size of every chunk (all chunks are padded to the same size). */
  static sealedSize(sodium: Sodium, chunkSize: number): number {
    return chunkSize + sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  }

  open(sealed: Uint8Array): OpenedChunk {
    let result: unknown;
    try {
      // libsodium.js returns `false` (not what its typings say) or throws when authentication fails.
      result = this.sodium.crypto_secretstream_xchacha20poly1305_pull(this.state, sealed, this.headerBytes);
    } catch {
      throw new BackupFailure('backup-corrupt');
    }
    if (typeof result !== 'object' || result === null || !('message' in result) || !('tag' in result)) {
      throw new BackupFailure('backup-corrupt');
    }
    const { message, tag } = result;
    if (!(message instanceof Uint8Array)) throw new BackupFailure('backup-corrupt');
    const final = tag === this.sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (!final && tag !== this.sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) throw new BackupFailure('backup-corrupt');
    return { payload: unframeChunk(message, this.chunkSize), final };
  }
}
