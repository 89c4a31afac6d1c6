/**
 * Searches the readable memory of a running process for byte strings (Linux: /proc/PID/maps
 * lists the mapped regions, /proc/PID/mem reads them; needs root or a parent that may trace
 * the process). Used to prove what a locked core no longer holds (docs/SECURITY.md, section 5).
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const CHUNK = 8 * 1024 * 1024;

export interface Needle {
  readonly name: string;
  readonly bytes: Buffer;
}

/** A string as UTF-8 and as UTF-16LE, the two forms V8 and native code keep text in. */
export function textNeedles(name: string, text: string): Needle[] {
  return [
    { name, bytes: Buffer.from(text, 'utf8') },
    { name, bytes: Buffer.from(text, 'utf16le') },
  ];
}

/** The names of the needles found anywhere in `pid`'s readable memory, and how much was read. */
export function scanProcessMemory(pid: number, needles: readonly Needle[]): { found: string[]; bytesRead: number } {
  const regions = readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((line) => /^([0-9a-f]+)-([0-9a-f]+) (\S{4})\s+\S+\s+\S+\s+\S+\s*(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .filter((match) => match[3]?.startsWith('r') === true && match[4] !== '[vvar]' && match[4] !== '[vsyscall]')
    .map((match) => ({ start: Number.parseInt(match[1] ?? '0', 16), end: Number.parseInt(match[2] ?? '0', 16) }));
  const overlap = Math.max(...needles.map((n) => n.bytes.length)) - 1;
  const found = new Set<string>();
  let bytesRead = 0;
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  const buffer = Buffer.alloc(CHUNK + overlap);
  try {
    for (const region of regions) {
      let carried = 0;
      for (let at = region.start; at < region.end; at += CHUNK) {
        const length = Math.min(CHUNK, region.end - at);
        let read: number;
        try {
          read = readSync(fd, buffer, carried, length, at);
        } catch {
          break; // a region that cannot be read (guard pages, device memory)
        }
        bytesRead += read;
        const view = buffer.subarray(0, carried + read);
        for (const needle of needles) if (!found.has(needle.name) && view.includes(needle.bytes)) found.add(needle.name);
        carried = Math.min(overlap, view.length);
        view.copy(buffer, 0, view.length - carried);
        if (read < length) break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { found: [...found].sort(), bytesRead };
}
