import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHELL_CHANNELS, createShellApi } from '../../../electron/core/ipc/shellApi';
import type { OpenDialogRequest, SaveDialogRequest, ShellEffects } from '../../../electron/main/shellRequests';
import { createShellRequestHandler, pathArgument, runsCode, suggestedFileName } from '../../../electron/main/shellRequests';

const DOWNLOADS = path.resolve('/home/ada/Downloads');

function fakeEffects(answers: { open?: readonly string[]; save?: string; openFails?: boolean } = {}) {
  const seen = {
    open: [] as OpenDialogRequest[],
    save: [] as SaveDialogRequest[],
    opened: [] as string[],
    shown: [] as string[],
    logs: [] as string[],
  };
  const effects: ShellEffects = {
    showOpenDialog: async (request) => {
      seen.open.push(request);
      return answers.open ?? [];
    },
    showSaveDialog: async (request) => {
      seen.save.push(request);
      return answers.save;
    },
    openPath: async (file) => {
      seen.opened.push(file);
      return answers.openFails ? 'no application knows this file type' : '';
    },
    showItemInFolder: (file) => {
      seen.shown.push(file);
    },
    downloadsDir: () => DOWNLOADS,
    log: (message) => seen.logs.push(message),
  };
  return { effects, seen };
}

describe('shell file dialogs', () => {
  it('suggests only a file name in the Downloads folder, whatever the page sends', async () => {
    expect(suggestedFileName('trail-map.pdf')).toBe('trail-map.pdf');
    expect(suggestedFileName('../../.bashrc')).toBe('.bashrc');
    expect(suggestedFileName('C:\\Windows\\system32\\evil.dll')).toBe('evil.dll');
    expect(suggestedFileName('a<b>:"c|?*\u0001.txt')).toBe('a_b___c____.txt');
    expect(suggestedFileName('..')).toBe('file');
    expect(suggestedFileName('')).toBe('file');
    expect(suggestedFileName(42)).toBe('file');
    expect(suggestedFileName('x'.repeat(1000))).toHaveLength(255);

    const { effects, seen } = fakeEffects({ save: path.join(DOWNLOADS, 'map.pdf') });
    const handler = createShellRequestHandler(effects);
    expect(await handler.handle(SHELL_CHANNELS.chooseSavePath, ['../../etc/passwd'])).toBe(path.join(DOWNLOADS, 'map.pdf'));
    expect(seen.save).toEqual([{ title: 'Save file', defaultPath: path.join(DOWNLOADS, 'passwd') }]);
  });

  it('returns the picked files as absolute paths, and nothing when the dialog is cancelled', async () => {
    const picked = [path.resolve('/home/ada/a.png'), path.resolve('/home/ada/b.pdf')];
    const chosen = createShellRequestHandler(fakeEffects({ open: [...picked, 'relative.txt'] }).effects);
    expect(await chosen.handle(SHELL_CHANNELS.pickFiles, [])).toEqual(picked);
    const cancelled = createShellRequestHandler(fakeEffects({ open: [] }).effects);
    expect(await cancelled.handle(SHELL_CHANNELS.pickFiles, [])).toEqual([]);
    const nothingSaved = createShellRequestHandler(fakeEffects({}).effects);
    expect(await nothingSaved.handle(SHELL_CHANNELS.chooseSavePath, ['x.txt'])).toBeNull();
  });

  it('opens only files the user saved through the save dialog in this session', async () => {
    const saved = path.join(DOWNLOADS, 'photo.png');
    const { effects, seen } = fakeEffects({ save: saved });
    const handler = createShellRequestHandler(effects);
    expect(await handler.handle(SHELL_CHANNELS.openPath, [saved])).toBe('refused');
    expect(await handler.handle(SHELL_CHANNELS.showInFolder, [saved])).toBe(false);
    expect(seen.opened).toEqual([]);

    await handler.handle(SHELL_CHANNELS.chooseSavePath, ['photo.png']);
    expect(await handler.handle(SHELL_CHANNELS.openPath, [saved])).toBe('opened');
    expect(await handler.handle(SHELL_CHANNELS.showInFolder, [saved])).toBe(true);
    expect(seen.opened).toEqual([saved]);
    expect(seen.shown).toEqual([saved]);

    expect(await handler.handle(SHELL_CHANNELS.openPath, [path.resolve('/etc/passwd')])).toBe('refused');
    expect(await handler.handle(SHELL_CHANNELS.openPath, ['photo.png'])).toBe('refused');
    expect(await handler.handle(SHELL_CHANNELS.openPath, [{ toString: () => saved }])).toBe('refused');
    expect(seen.opened).toEqual([saved]);
  });

  it('shows files that would run code in their folder instead of opening them', async () => {
    for (const name of ['setup.exe', 'run.sh', 'Installer.APP', 'script.ps1', 'cairn.desktop', 'tool.jar']) {
      expect(runsCode(name)).toBe(true);
    }
    for (const name of ['photo.png', 'notes.txt', 'report.pdf', 'README']) expect(runsCode(name)).toBe(false);

    const saved = path.join(DOWNLOADS, 'setup.exe');
    const { effects, seen } = fakeEffects({ save: saved });
    const handler = createShellRequestHandler(effects);
    await handler.handle(SHELL_CHANNELS.chooseSavePath, ['setup.exe']);
    expect(await handler.handle(SHELL_CHANNELS.openPath, [saved])).toBe('shown-in-folder');
    expect(seen.opened).toEqual([]);
    expect(seen.shown).toEqual([saved]);
  });

  it('refuses malformed path arguments and says so when the OS cannot open a file', async () => {
    expect(pathArgument(undefined)).toBeUndefined();
    expect(pathArgument('')).toBeUndefined();
    expect(pathArgument('a/b')).toBeUndefined();
    expect(pathArgument(`${path.resolve('/tmp')}/x\u0000y`)).toBeUndefined();
    expect(pathArgument(path.resolve('/tmp') + '/' + 'x'.repeat(5000))).toBeUndefined();
    expect(pathArgument(path.resolve('/tmp/a/../b.txt'))).toBe(path.resolve('/tmp/b.txt'));

    const saved = path.join(DOWNLOADS, 'odd.xyz');
    const { effects } = fakeEffects({ save: saved, openFails: true });
    const handler = createShellRequestHandler(effects);
    await handler.handle(SHELL_CHANNELS.chooseSavePath, ['odd.xyz']);
    expect(await handler.handle(SHELL_CHANNELS.openPath, [saved])).toBe('refused');
  });

  it('answers a failing dialog with "nothing chosen" instead of throwing', async () => {
    const { effects, seen } = fakeEffects();
    const handler = createShellRequestHandler({
      ...effects,
      showOpenDialog: async () => {
        throw new Error('no display');
      },
    });
    expect(await handler.handle(SHELL_CHANNELS.pickFiles, [])).toEqual([]);
    expect(seen.logs).toEqual(['a shell request failed (cairn:shell:pick-files)']);
  });
});

describe('window.cairn.shell', () => {
  it('passes requests on and keeps only well-formed answers', async () => {
    const calls: unknown[][] = [];
    const answers = new Map<string, unknown>([
      [SHELL_CHANNELS.pickFiles, ['/a.png', 7, null, '/b.txt']],
      [SHELL_CHANNELS.chooseSavePath, { path: '/x' }],
      [SHELL_CHANNELS.openPath, 'launched-missiles'],
      [SHELL_CHANNELS.showInFolder, 'yes'],
    ]);
    const api = createShellApi(
      async (channel, ...args) => {
        calls.push([channel, ...args]);
        return answers.get(channel);
      },
      (file) => (file.name === 'dropped.png' ? '/home/ada/dropped.png' : ''),
    );
    expect(await api.pickFiles()).toEqual(['/a.png', '/b.txt']);
    expect(await api.chooseSavePath('map.pdf')).toBeNull();
    expect(await api.openPath('/x')).toBe('refused');
    expect(await api.showInFolder('/x')).toBe(false);
    expect(calls).toEqual([[SHELL_CHANNELS.pickFiles], [SHELL_CHANNELS.chooseSavePath, 'map.pdf'], [SHELL_CHANNELS.openPath, '/x'], [SHELL_CHANNELS.showInFolder, '/x']]);
    expect(api.pathForDroppedFile(new File(['x'], 'dropped.png'))).toBe('/home/ada/dropped.png');
    expect(api.pathForDroppedFile(new File(['x'], 'made-in-page.txt'))).toBeNull();
  });
});
