/**
 * Marks a saved file as downloaded from elsewhere, as browsers do, so that the OS treats it
 * with the suspicion a download deserves: on Windows, SmartScreen checks it before it runs and
 * Office opens it in Protected View; on macOS, Gatekeeper checks it before it runs.
 *
 * - Windows: the `Zone.Identifier` alternate data stream with `ZoneId=3` (the Internet zone),
 *   what Chromium's quarantine_win.cc writes ("Mark of the Web"). No URL: the file came through
 *   an end-to-end encrypted message, and its source is no address.
 * - macOS: the `com.apple.quarantine` extended attribute, `flags;hex seconds;agent;`, with
 *   flags 0081 as Chromium's quarantine_mac.mm sets through LaunchServices (0x0001 "quarantine",
 *   0x0080 "created by a sandboxed/downloading app"); written with /usr/bin/xattr, as Node has
 *   no extended-attribute call.
 * - Linux and others: nothing. No desktop there refuses or warns about a file for a download
 *   mark (files do not run unless made executable, and Cairn never does that), and the
 *   freedesktop `user.xdg.origin.url` attribute wants a URL, which a message is not.
 *
 * The decision is pure (`downloadMark`); `applyDownloadMark` is the thin effect, injected.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

export type DownloadMark =
  | Readonly<{ kind: 'zone-identifier'; stream: 'Zone.Identifier'; content: string }>
  | Readonly<{ kind: 'xattr'; name: 'com.apple.quarantine'; value: string }>
  | Readonly<{ kind: 'none'; reason: string }>;

/** The mark for a file saved at `now` (ms) on `platform`. */
export function downloadMark(platform: NodeJS.Platform, now: number): DownloadMark {
  switch (platform) {
    case 'win32':
      return { kind: 'zone-identifier', stream: 'Zone.Identifier', content: '[ZoneTransfer]\r\nZoneId=3\r\n' };
    case 'darwin': {
      const seconds = Math.floor(now / 1000).toString(16).padStart(8, '0');
      return { kind: 'xattr', name: 'com.apple.quarantine', value: `0081;${seconds};Cairn;` };
    }
    default:
      return { kind: 'none', reason: `no download mark on ${platform}` };
  }
}

export interface MarkEffects {
  writeFile(file: string, content: string): Promise<void>;
  run(command: string, args: readonly string[]): Promise<void>;
}

const realEffects: MarkEffects = {
  writeFile: (file, content) => writeFile(file, content, 'utf8'),
  run: (command, args) =>
    new Promise<void>((resolve, reject) => {
      execFile(command, [...args], { timeout: 10_000 }, (error) => (error ? reject(error) : resolve()));
    }),
};

/**
 * Applies `mark` to `file`. Resolves false when the file system does not keep it (FAT has no
 * streams, some network shares no attributes); the caller logs that and keeps the file, as
 * browsers do.
 */
export async function applyDownloadMark(file: string, mark: DownloadMark, effects: MarkEffects = realEffects): Promise<boolean> {
  try {
    switch (mark.kind) {
      case 'zone-identifier':
        await effects.writeFile(`${file}:${mark.stream}`, mark.content);
        return true;
      case 'xattr':
        await effects.run('/usr/bin/xattr', ['-w', mark.name, mark.value, file]);
        return true;
      case 'none':
        return true;
      default:
        return missingMark(mark);
    }
  } catch {
    return false;
  }
}

function missingMark(mark: never): boolean {
  void mark;
  return false;
}
