import { describe, expect, it } from 'vitest';
import type { MarkEffects } from '../../../electron/core/services/downloadMark';
import { applyDownloadMark, downloadMark } from '../../../electron/core/services/downloadMark';

const SAVED_AT = Date.UTC(2026, 0, 2, 3, 4, 5);

function recordingEffects(fail = false) {
  const calls: Array<{ kind: 'write'; file: string; content: string } | { kind: 'run'; command: string; args: readonly string[] }> = [];
  const effects: MarkEffects = {
    writeFile: async (file, content) => {
      if (fail) throw new Error('FAT has no streams');
      calls.push({ kind: 'write', file, content });
    },
    run: async (command, args) => {
      if (fail) throw new Error('xattr failed');
      calls.push({ kind: 'run', command, args });
    },
  };
  return { effects, calls };
}

describe('download mark', () => {
  it('on Windows writes the Zone.Identifier stream with the Internet zone', async () => {
    const mark = downloadMark('win32', SAVED_AT);
    expect(mark).toEqual({ kind: 'zone-identifier', stream: 'Zone.Identifier', content: '[ZoneTransfer]\r\nZoneId=3\r\n' });
    const { effects, calls } = recordingEffects();
    expect(await applyDownloadMark('C:\\Users\\ada\\Downloads\\map.pdf', mark, effects)).toBe(true);
    expect(calls).toEqual([{ kind: 'write', file: 'C:\\Users\\ada\\Downloads\\map.pdf:Zone.Identifier', content: '[ZoneTransfer]\r\nZoneId=3\r\n' }]);
  });

  it('on macOS sets com.apple.quarantine with the time saved and Cairn as the agent', async () => {
    const mark = downloadMark('darwin', SAVED_AT);
    const seconds = Math.floor(SAVED_AT / 1000).toString(16);
    expect(mark).toEqual({ kind: 'xattr', name: 'com.apple.quarantine', value: `0081;${seconds};Cairn;` });
    const { effects, calls } = recordingEffects();
    expect(await applyDownloadMark('/Users/ada/Downloads/map.pdf', mark, effects)).toBe(true);
    expect(calls).toEqual([{ kind: 'run', command: '/usr/bin/xattr', args: ['-w', 'com.apple.quarantine', `0081;${seconds};Cairn;`, '/Users/ada/Downloads/map.pdf'] }]);
  });

  it('on Linux marks nothing', async () => {
    expect(downloadMark('linux', SAVED_AT).kind).toBe('none');
    const { effects, calls } = recordingEffects();
    expect(await applyDownloadMark('/home/ada/map.pdf', downloadMark('linux', SAVED_AT), effects)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('says so when the file system does not keep the mark', async () => {
    const { effects } = recordingEffects(true);
    expect(await applyDownloadMark('E:\\map.pdf', downloadMark('win32', SAVED_AT), effects)).toBe(false);
    expect(await applyDownloadMark('/Volumes/usb/map.pdf', downloadMark('darwin', SAVED_AT), effects)).toBe(false);
  });
});
