import type { PayloadPiece } from './backupSource';
import { LineSplitter } from './lineSplitter';
import type { ReaderEntry } from './recordReaderThread';

/** The lines of one piece of payload and the file offset reading has reached (for progress). */
export type RecordBatch = Readonly<{ entries: readonly ReaderEntry[]; position: number }>;

/**
 * Where the importer takes its lines from: this thread (`ThreadRecordSource`) or the reader's
 * worker thread (`WorkerRecordSource` in recordReaderWorker.ts). Either way every entry is one
 * line, in file order, and nothing in it has been judged yet.
 */
export interface RecordSource {
  batches(): AsyncIterable<RecordBatch>;
  /** Once the batches ended: the text after the last newline (a complete payload has none). */
  rest(): string;
  /** Stops reading; safe to call more than once. */
  close(): Promise<void>;
}

/** Reads, decrypts and splits in the importer's own thread. */
export class ThreadRecordSource implements RecordSource {
  private readonly splitter = new LineSplitter();
  private restText = '';

  constructor(private readonly payloads: AsyncGenerator<PayloadPiece>) {}

  async *batches(): AsyncGenerator<RecordBatch> {
    for await (const piece of this.payloads) yield { entries: this.splitter.push(piece.payload), position: piece.position };
    this.restText = this.splitter.finish();
  }

  rest(): string {
    return this.restText;
  }

  async close(): Promise<void> {
    await this.payloads.return(undefined);
  }
}

