import type { PayloadPiece } from './backupSource';
import { LineSplitter } from './lineSplitter';

/** Complete lines of payload and the file offset reading has reached (for progress). */
export type RecordBatch = Readonly<{ lines: readonly string[]; position: number }>;

/**
 * Where the importer takes its lines from: this thread (`ThreadRecordSource`) or the reader's
 * worker thread (`WorkerRecordSource` in recordReaderWorker.ts). Either way the lines come in
 * file order, and no record in them has been judged yet.
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
    for await (const piece of this.payloads) yield { lines: this.splitter.push(piece.payload), position: piece.position };
    this.restText = this.splitter.finish();
  }

  rest(): string {
    return this.restText;
  }

  async close(): Promise<void> {
    await this.payloads.return(undefined);
  }
}

