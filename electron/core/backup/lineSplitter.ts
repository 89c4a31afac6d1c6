import { BackupFailure } from './backupErrors';

/**
 * Longest record line accepted. A message body or content blob is far smaller; the bound stops
 * a damaged or hostile file (one endless "line") from growing the reader's memory.
 */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

/**
 * Turns payload bytes, in pieces of any size, into complete lines. The decoder keeps a UTF-8
 * sequence split across two pieces intact; JSON never contains a raw newline inside a value,
 * so every newline ends a record.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private carry = '';

  /** The lines completed by `bytes`. */
  push(bytes: Uint8Array): string[] {
    const text = this.carry + this.decode(bytes, true);
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    if (this.carry.length > MAX_LINE_CHARS) throw new BackupFailure('backup-corrupt');
    return lines;
  }

  /** Text after the last newline when the payload ended (a complete file has none). */
  finish(): string {
    const rest = this.carry + this.decode(new Uint8Array(0), false);
    this.carry = '';
    return rest;
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    try {
      return this.decoder.decode(bytes, { stream });
    } catch {
      throw new BackupFailure('backup-corrupt');
    }
  }
}
