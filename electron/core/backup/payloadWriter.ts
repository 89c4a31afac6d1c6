/** Receives one chunk's payload; `final` is set once, for the last one (which may be empty). */
export type PayloadSink = (payload: Uint8Array, final: boolean) => Promise<void>;

const encoder = new TextEncoder();

/**
 * Packs record lines into payload chunks of a fixed capacity and hands each full chunk to the
 * sink, so at most one chunk of output is held in memory however large the history is. A line
 * may span two chunks; `encodeInto` never splits a UTF-8 sequence.
 */
export class PayloadWriter {
  private readonly buffer: Uint8Array;
  private used = 0;
  private written = 0;

  constructor(
    capacity: number,
    private readonly sink: PayloadSink,
  ) {
    this.buffer = new Uint8Array(capacity);
  }

  async writeLine(line: string): Promise<void> {
    let rest = `${line}\n`;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.buffer.subarray(this.used));
      this.used += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      await this.emit(false);
    }
  }

  /** Sends what is left as the final chunk. */
  async finish(): Promise<void> {
    await this.emit(true);
  }

  /** Payload bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.written;
  }

  private async emit(final: boolean): Promise<void> {
    const payload = this.buffer.slice(0, this.used);
    this.used = 0;
    this.written += payload.length;
    await this.sink(payload, final);
  }
}
