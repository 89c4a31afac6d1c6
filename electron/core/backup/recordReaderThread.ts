import type * as NodeFs from 'node:fs';
import type * as WorkerThreads from 'node:worker_threads';
import type { Sodium } from '../vault/sodium';

/**
 * The body of the record reader's worker thread (see `recordReaderWorker.ts`, which starts it).
 * It runs from its own source text (`RECORD_READER_SOURCE`, this function's text), so it must be
 * self-contained: no imports but of types, only `require` of Node's built-ins and of libsodium by the path the
 * caller resolved. It mirrors, step for step, what the importer does in its own thread
 * (`encryptedPayload`/`plainPayload` in backupSource.ts, `unframeChunk`, `LineSplitter`), and
 * tells the same failures with the same codes; the tests run every refusal through both.
 *
 * What it sends: batches of lines, as text, in file order; the importer parses and checks each
 * one exactly as before, so no record is judged here. (Parsing here and sending the objects took
 * no less time in the importer's thread — receiving a structured clone of parsed records costs
 * about what JSON.parse of their lines does — and more in all, which a loaded machine makes the
 * importer wait for; receiving the lines as strings costs ≈0.02 s per 100 000 messages.)
 *
 * Flow control: at most `window` batches may wait unread, so memory stays at a few chunks
 * whatever the merge's speed. The importer counts the batches it takes in shared memory
 * (`taken`); when the worker is `window` ahead, it checks that count every `pollMs` until the
 * importer is back to `resumeAt` batches behind. The importer never wakes the worker: waking a
 * thread is what costs, because on a busy machine the waker often loses its core to the thread it
 * woke. Per 100 000 messages, in the importer's thread: a message per batch taken measured
 * 0.4–0.6 s, an `Atomics.notify` per batch 0.2–0.3 s, one per 12 batches still ≈0.08 s. The
 * merge needs ≈5 ms per batch, so a window of 16 never runs dry between two checks.
 */

export type ReaderFailureCode = 'backup-corrupt' | 'backup-truncated';

/** Fixed when the worker starts. */
export interface ReaderWorkerData {
  /** A descriptor of the file the importer opened; only read from here, closed by the importer. */
  readonly fd: number;
  /** The file's size when the importer opened it. */
  readonly size: number;
  /** `undefined` for the open form: no decryption, no libsodium. */
  readonly sodiumPath: string | undefined;
  /** Encrypted form: the chunk size from the header. Open form: the size of each read. */
  readonly pieceSize: number;
  /** Offset of the first chunk (the header's length), 0 for the open form. */
  readonly start: number;
  readonly maxLineChars: number;
  readonly window: number;
  /** Payload bytes per batch: several chunks, so fewer messages cross between the threads. */
  readonly batchBytes: number;
  readonly resumeAt: number;
  readonly pollMs: number;
  /** One counter, written by the importer only: the batches it has taken. */
  readonly taken: Int32Array;
}

/** Importer → worker, once. The stream key is sent only after the password was checked. */
export type ToReader = Readonly<{ kind: 'begin'; key: Uint8Array | undefined; streamHeader: Uint8Array | undefined; headerBytes: Uint8Array | undefined }>;


/** Worker → importer. */
export type FromReader =
  | Readonly<{ kind: 'ready' }>
  | Readonly<{ kind: 'batch'; lines: string[]; position: number }>
  | Readonly<{ kind: 'end'; rest: string }>
  | Readonly<{ kind: 'failed'; code: ReaderFailureCode; trailingData: boolean }>;

/* eslint-disable @typescript-eslint/no-require-imports -- this runs as the worker's own script (see above) */
export function recordReaderMain(): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof WorkerThreads;
  const fs = require('node:fs') as typeof NodeFs;
  const data = workerData as ReaderWorkerData;
  /** A failure the importer reports with its code (any other error ends the worker: `backup-io`). */
  class ReaderStop extends Error {
    constructor(
      readonly code: ReaderFailureCode,
      readonly trailingData = false,
    ) {
      super(code);
    }
  }
  const port = parentPort;
  if (port === null) return;
  const post = (message: FromReader) => port.postMessage(message);

  const began = new Promise<ToReader>((resolve) => port.once('message', resolve));
  let sent = 0;

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw new ReaderStop('backup-corrupt');
    }
  };
  let gathered: string[] = [];
  let gatheredBytes = 0;
  let gatheredPosition = 0;
  /** Sends the lines gathered so far, first waiting while the importer is `window` batches behind. */
  const flush = () => {
    if (gathered.length === 0 && gatheredBytes === 0) return;
    if (sent - Atomics.load(data.taken, 0) >= data.window) {
      // Sleeps, this thread having nothing else to do; `terminate` ends the wait too.
      for (let taken = Atomics.load(data.taken, 0); sent - taken > data.resumeAt; taken = Atomics.load(data.taken, 0)) {
        Atomics.wait(data.taken, 0, taken, data.pollMs);
      }
    }
    sent++;
    post({ kind: 'batch', lines: gathered, position: gatheredPosition });
    gathered = [];
    gatheredBytes = 0;
  };
  /** Splits a piece of payload into lines and gathers them; sends every `batchBytes`. */
  const send = (payload: Uint8Array, position: number) => {
    const lines = (carry + decode(payload, true)).split('\n');
    carry = lines.pop() ?? '';
    if (carry.length > data.maxLineChars) throw new ReaderStop('backup-corrupt');
    for (const line of lines) gathered.push(line);
    gatheredBytes += payload.length;
    gatheredPosition = position;
    if (gatheredBytes >= data.batchBytes) flush();
  };

  /** Up to `length` bytes at `position`; fewer only at the end of the file. */
  const read = (position: number, length: number): Uint8Array => {
    const buffer = new Uint8Array(Math.max(0, Math.min(length, data.size - position)));
    let filled = 0;
    while (filled < buffer.length) {
      const got = fs.readSync(data.fd, buffer, filled, buffer.length - filled, position + filled);
      if (got === 0) break;
      filled += got;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  };

  const readPlain = () => {
    for (let position = 0; position < data.size; ) {
      const payload = read(position, data.pieceSize);
      if (payload.length === 0) return;
      position += payload.length;
      send(payload, position);
    }
  };

  const readEncrypted = (sodium: Sodium, start: ToReader) => {
    const { key, streamHeader, headerBytes } = start;
    if (key === undefined || streamHeader === undefined || headerBytes === undefined) throw new ReaderStop('backup-corrupt');
    const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(streamHeader, key);
    sodium.memzero(key);
    const chunkSize = data.pieceSize;
    const sealedSize = chunkSize + sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
    const tagFinal = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    const tagMessage = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    let position = data.start;
    for (;;) {
      const sealed = read(position, sealedSize);
      if (sealed.length < sealedSize) throw new ReaderStop('backup-truncated');
      position += sealed.length;
      let result: unknown;
      try {
        result = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed, headerBytes);
      } catch {
        throw new ReaderStop('backup-corrupt');
      }
      if (typeof result !== 'object' || result === null || !('message' in result) || !('tag' in result)) throw new ReaderStop('backup-corrupt');
      const { message, tag } = result;
      if (!(message instanceof Uint8Array)) throw new ReaderStop('backup-corrupt');
      const final = tag === tagFinal;
      if (!final && tag !== tagMessage) throw new ReaderStop('backup-corrupt');
      // As unframeChunk: a 4-byte length, the payload, zero padding to exactly the chunk size.
      if (message.length !== chunkSize) throw new ReaderStop('backup-corrupt');
      const length = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0);
      if (length > chunkSize - 4) throw new ReaderStop('backup-corrupt');
      for (let i = 4 + length; i < message.length; i++) if (message[i] !== 0) throw new ReaderStop('backup-corrupt');
      send(message.subarray(4, 4 + length), position);
      if (final) {
        if (position !== data.size) throw new ReaderStop('backup-corrupt', true);
        return;
      }
      if (position >= data.size) throw new ReaderStop('backup-truncated');
    }
  };

  const run = async () => {
    let sodium: Sodium | undefined;
    if (data.sodiumPath !== undefined) {
      sodium = require(data.sodiumPath) as Sodium;
      await sodium.ready;
    }
    post({ kind: 'ready' });
    const start = await began;
    if (sodium === undefined) readPlain();
    else readEncrypted(sodium, start);
    const rest = carry + decode(new Uint8Array(0), false);
    flush();
    post({ kind: 'end', rest });
  };
  run().catch((error: unknown) => {
    // The lines read before the failure first: the importer judges them before it (as in its own thread).
    flush();
    // Anything else (an I/O error) ends the worker with an error event: the importer says backup-io.
    if (!(error instanceof ReaderStop)) throw error;
    post({ kind: 'failed', code: error.code, trailingData: error.trailingData });
  });
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The worker's script: the body above as source text. It refers to nothing outside itself. Where
 * the code is compiled with esbuild's `keepNames` (tsx, vitest), each function in it is wrapped in
 * a call to the helper `__name`, defined here as the identity (names only help stack traces). A
 * worker that fails to start leaves the reading to the importer's thread; the tests insist that
 * it does start.
 */
export const RECORD_READER_SOURCE = `'use strict';\nconst __name = (target) => target;\n(${recordReaderMain.toString()})();\n`;
