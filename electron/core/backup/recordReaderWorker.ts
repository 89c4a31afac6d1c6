import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BackupFailure } from './backupErrors';
import type { BackupFileReader } from './backupFileReader';
import type { BackupKeys } from './backupKdf';
import type { SniffedBackup } from './backupSource';
import { TRAILING_DATA_DETAIL } from './backupSource';
import { DEFAULT_CHUNK_SIZE } from './chunkFraming';
import { MAX_LINE_CHARS } from './lineSplitter';
import type { FromReader, ReaderWorkerData, ToReader } from './recordReaderThread';
import { RECORD_READER_SOURCE } from './recordReaderThread';
import type { RecordBatch, RecordSource } from './recordSource';

/**
 * From this file size on, `importBackup` reads, decrypts and splits into lines in a worker thread
 * while its own thread parses, checks and merges. The worker takes ≈4 ms per MB off the importing
 * thread (measured: docs/backup-format.md, "Measured") and costs ≈0.05 s to start with libsodium,
 * which the importing thread waits for unless the key derivation hides it (at the real Argon2
 * cost, which every backup the app writes has).
 */
export const WORKER_MIN_FILE_BYTES = 4 * 1024 * 1024;

/** `importBackup`'s choice when left to it: a large file, and a core for each thread. */
export function workerPays(fileBytes: number): boolean {
  return fileBytes >= WORKER_MIN_FILE_BYTES && availableParallelism() > 1;
}

/**
 * Payload per batch, batches the worker may run ahead of the merge, and how far the merge must
 * catch up before the worker goes on: with the default 64 KiB chunks, two chunks (≈400 records)
 * per batch and at most 16 × 128 KiB of lines waiting.
 */
const BATCH_BYTES = 128 * 1024;
const WINDOW = 16;
const RESUME_AT = 4;
const POLL_MS = 5;

/**
 * The worker's short-lived objects (chunks, decoded text, lines) die within a batch; V8's default
 * young generation let it grow by tens of MB before collecting. Measured for 100 000 messages:
 * peak RSS growth of the import 55 MB instead of 92 MB (first import in a process).
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** Workers started and not yet ended, for the tests that check none is left behind. */
const running = new Set<Worker>();

export function runningRecordReaders(): number {
  return running.size;
}

function resolveSodium(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('libsodium-wrappers-sumo');
  } catch {
    return undefined;
  }
}

/**
 * The importer's lines, read, decrypted (with the stream key only, handed over after the
 * password was checked) and split into lines in a worker thread (recordReaderThread.ts). The
 * worker judges chunks — damaged, cut, data after the end — exactly as the importer's own thread
 * does; the importer parses and checks every record as before. `close` ends the worker,
 * whatever state it is in; the importer calls it on every path out, before it closes the file
 * whose descriptor the worker reads.
 */
export class WorkerRecordSource implements RecordSource {
  private readonly queue: FromReader[] = [];
  private wake: (() => void) | undefined;
  /** Set when the worker died on its own: every later wait ends with it. */
  private failure: BackupFailure | undefined;
  private restText = '';
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    /** Shared with the worker: see `ReaderWorkerData.taken`. */
    private readonly taken: Int32Array,
  ) {
    running.add(worker);
    worker.on('message', (message: FromReader) => {
      this.queue.push(message);
      this.notify();
    });
    worker.on('error', () => {
      this.failure ??= new BackupFailure('backup-io');
      this.notify();
    });
    worker.once('exit', () => {
      running.delete(worker);
      this.failure ??= new BackupFailure('backup-io');
      this.notify();
    });
  }

  /**
   * Starts the worker early, so its start-up overlaps the key derivation. `undefined` when none
   * can run here (libsodium not resolvable where the core was bundled): the caller reads in its
   * own thread.
   */
  static start(reader: BackupFileReader, sniffed: SniffedBackup): WorkerRecordSource | undefined {
    const sodiumPath = sniffed.kind === 'encrypted' ? resolveSodium() : undefined;
    if (sniffed.kind === 'encrypted' && sodiumPath === undefined) return undefined;
    const taken = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const workerData: ReaderWorkerData = {
      fd: reader.fd,
      size: reader.size,
      sodiumPath,
      pieceSize: sniffed.kind === 'encrypted' ? sniffed.header.chunkSize : DEFAULT_CHUNK_SIZE,
      start: sniffed.kind === 'encrypted' ? sniffed.header.bytes.length : 0,
      maxLineChars: MAX_LINE_CHARS,
      window: WINDOW,
      resumeAt: RESUME_AT,
      pollMs: POLL_MS,
      batchBytes: BATCH_BYTES,
      taken,
    };
    try {
      const worker = new Worker(RECORD_READER_SOURCE, { eval: true, workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      return new WorkerRecordSource(worker, taken);
    } catch {
      return undefined;
    }
  }

  /** Whether the worker started and loaded what it needs; `false` leaves reading to the caller. */
  async ready(): Promise<boolean> {
    try {
      return (await this.next()).kind === 'ready';
    } catch {
      return false;
    }
  }

  /** Lets the worker read. For an encrypted file it receives a copy of the stream key (never the password or the check key). */
  begin(sniffed: SniffedBackup, keys: BackupKeys | undefined): void {
    const message: ToReader =
      sniffed.kind === 'encrypted' && keys !== undefined
        ? { kind: 'begin', key: keys.stream, streamHeader: sniffed.header.streamHeader, headerBytes: sniffed.header.bytes }
        : { kind: 'begin', key: undefined, streamHeader: undefined, headerBytes: undefined };
    this.worker.postMessage(message);
  }

  async *batches(): AsyncGenerator<RecordBatch> {
    for (;;) {
      const message = await this.next();
      switch (message.kind) {
        case 'batch':
          // Taken: one more the worker may prepare while this one is merged.
          this.take();
          yield { lines: message.lines, position: message.position };
          break;
        case 'end':
          this.restText = message.rest;
          return;
        case 'failed':
          throw new BackupFailure(message.code, message.trailingData ? TRAILING_DATA_DETAIL : undefined);
        case 'ready':
          throw new BackupFailure('backup-io');
      }
    }
  }

  rest(): string {
    return this.restText;
  }

  close(): Promise<void> {
    this.closing ??= this.worker.terminate().then(
      () => undefined,
      () => undefined,
    );
    return this.closing;
  }

  /** Counts a batch as taken; the worker looks at the count itself (see recordReaderThread.ts). */
  private take(): void {
    Atomics.add(this.taken, 0, 1);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async next(): Promise<FromReader> {
    for (;;) {
      const message = this.queue.shift();
      if (message !== undefined) return message;
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
