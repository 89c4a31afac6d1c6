import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHELL_CHANNELS, createShellApi } from '../../../electron/core/ipc/shellApi';
import type { GrantAccess, OpenDialogRequest, SaveDialogRequest, ShellEffects } from '../../../electron/main/shellRequests';
import { createShellRequestHandler, pathArgument, suggestedFileName } from '../../../electron/main/shellRequests';

const DOWNLOADS = path.resolve('/home/ada/Downloads');

function fakeEffects(answers: { open?: readonly string[]; save?: string; openFails?: boolean; coreRefuses?: boolean } = {}) {
  const seen = {
    open: [] as OpenDialogRequest[],
    save: [] as SaveDialogRequest[],
    granted: [] as Array<{ id: string; access: GrantAccess; file: string }>,
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
    grant: async (id, access, file) => {
      if (answers.coreRefuses) return false;
      seen.granted.push({ id, access, file });
      return true;
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

const GRANT_ID = /^[A-Za-z0-9_-]{43}$/;

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
    expect(await handler.handle(SHELL_CHANNELS.chooseSaveFile, ['../../etc/passwd'])).toMatchObject({ name: 'map.pdf' });
    expect(seen.save).toEqual([{ title: 'Save file', defaultPath: path.join(DOWNLOADS, 'passwd') }]);
  });

  it('gives the page grant ids and names for the picked files, never their paths', async () => {
    const picked = [path.resolve('/home/ada/a.png'), path.resolve('/home/ada/b.pdf')];
    const { effects, seen } = fakeEffects({ open: [...picked, 'relative.txt'] });
    const answer = await createShellRequestHandler(effects).handle(SHELL_CHANNELS.pickFiles, []);
    expect(answer).toEqual([
      { grant: expect.stringMatching(GRANT_ID), name: 'a.png' },
      { grant: expect.stringMatching(GRANT_ID), name: 'b.pdf' },
    ]);
    expect(JSON.stringify(answer)).not.toContain('/home/ada');
    // The core heard of each grant, for reading only, before the page got its id.
    expect(seen.granted.map(({ access, file }) => ({ access, file }))).toEqual(picked.map((file) => ({ access: 'read', file })));
    expect(seen.granted.map((g) => g.id)).toEqual((answer as Array<{ grant: string }>).map((c) => c.grant));
    expect(new Set(seen.granted.map((g) => g.id)).size).toBe(2);

    const cancelled = createShellRequestHandler(fakeEffects({ open: [] }).effects);
    expect(await cancelled.handle(SHELL_CHANNELS.pickFiles, [])).toEqual([]);
    const nothingSaved = createShellRequestHandler(fakeEffects({}).effects);
    expect(await nothingSaved.handle(SHELL_CHANNELS.chooseSaveFile, ['x.txt'])).toBeNull();
  });

  it('gives a write grant for the save location, and nothing when the core did not record it', async () => {
    const target = path.join(DOWNLOADS, 'map.pdf');
    const { effects, seen } = fakeEffects({ save: target });
    const answer = await createShellRequestHandler(effects).handle(SHELL_CHANNELS.chooseSaveFile, ['map.pdf']);
    expect(answer).toEqual({ grant: expect.stringMatching(GRANT_ID), name: 'map.pdf' });
    expect(seen.granted).toEqual([{ id: (answer as { grant: string }).grant, access: 'write', file: target }]);

    const refused = fakeEffects({ save: target, open: [target], coreRefuses: true });
    const handler = createShellRequestHandler(refused.effects);
    expect(await handler.handle(SHELL_CHANNELS.chooseSaveFile, ['map.pdf'])).toBeNull();
    expect(await handler.handle(SHELL_CHANNELS.pickFiles, [])).toEqual([]);
  });

  it('turns dropped files into read grants only, and ignores anything but absolute paths', async () => {
    const dropped = path.resolve('/home/ada/notes.txt');
    const { effects, seen } = fakeEffects();
    const handler = createShellRequestHandler(effects);
    const answer = await handler.handle(SHELL_CHANNELS.grantDropped, [[dropped, 'relative.txt', 7, `${dropped}\u0000x`]]);
    expect(answer).toEqual([{ grant: expect.stringMatching(GRANT_ID), name: 'notes.txt' }]);
    expect(seen.granted.map(({ access, file }) => ({ access, file }))).toEqual([{ access: 'read', file: dropped }]);
    expect(await handler.handle(SHELL_CHANNELS.grantDropped, ['not a list'])).toEqual([]);
    const many = Array.from({ length: 150 }, (_, i) => path.resolve(`/home/ada/${i}.txt`));
    expect(await handler.handle(SHELL_CHANNELS.grantDropped, [many])).toHaveLength(100);
  });

  it('opens only files the user saved through the save dialog in this session, by their grant', async () => {
    const saved = path.join(DOWNLOADS, 'photo.png');
    const { effects, seen } = fakeEffects({ save: saved });
    const handler = createShellRequestHandler(effects);
    expect(await handler.handle(SHELL_CHANNELS.openSaved, [saved])).toBe('refused');
    expect(await handler.handle(SHELL_CHANNELS.showInFolder, [saved])).toBe(false);
    expect(seen.opened).toEqual([]);

    const { grant } = (await handler.handle(SHELL_CHANNELS.chooseSaveFile, ['photo.png'])) as { grant: string };
    expect(await handler.handle(SHELL_CHANNELS.openSaved, [grant])).toBe('opened');
    expect(await handler.handle(SHELL_CHANNELS.showInFolder, [grant])).toBe(true);
    expect(seen.opened).toEqual([saved]);
    expect(seen.shown).toEqual([saved]);

    // A path, even the saved one, or a read grant is no key to open anything.
    expect(await handler.handle(SHELL_CHANNELS.openSaved, [saved])).toBe('refused');
    expect(await handler.handle(SHELL_CHANNELS.openSaved, [path.resolve('/etc/passwd')])).toBe('refused');
    expect(await handler.handle(SHELL_CHANNELS.openSaved, [{ toString: () => grant }])).toBe('refused');
    const picked = createShellRequestHandler(fakeEffects({ open: [saved] }).effects);
    const [read] = (await picked.handle(SHELL_CHANNELS.pickFiles, [])) as Array<{ grant: string }>;
    expect(await picked.handle(SHELL_CHANNELS.openSaved, [read?.grant])).toBe('refused');
    expect(seen.opened).toEqual([saved]);
  });

  it('shows files that are not on the allow-list in their folder instead of opening them', async () => {
    const saved = path.join(DOWNLOADS, 'setup.exe');
    const { effects, seen } = fakeEffects({ save: saved });
    const handler = createShellRequestHandler(effects);
    const { grant } = (await handler.handle(SHELL_CHANNELS.chooseSaveFile, ['setup.exe'])) as { grant: string };
    expect(await handler.handle(SHELL_CHANNELS.openSaved, [grant])).toBe('shown-in-folder');
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

    const saved = path.join(DOWNLOADS, 'odd.pdf');
    const { effects } = fakeEffects({ save: saved, openFails: true });
    const handler = createShellRequestHandler(effects);
    const { grant } = (await handler.handle(SHELL_CHANNELS.chooseSaveFile, ['odd.pdf'])) as { grant: string };
    expect(await handler.handle(SHELL_CHANNELS.openSaved, [grant])).toBe('refused');
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
    const chosen = { grant: 'g'.repeat(43), name: 'a.png' };
    const answers = new Map<string, unknown>([
      [SHELL_CHANNELS.pickFiles, [chosen, '/b.txt', 7, null, { grant: 3, name: 'x' }]],
      [SHELL_CHANNELS.chooseSaveFile, { path: '/x' }],
      [SHELL_CHANNELS.grantDropped, [chosen]],
      [SHELL_CHANNELS.openSaved, 'launched-missiles'],
      [SHELL_CHANNELS.showInFolder, 'yes'],
    ]);
    const api = createShellApi(
      async (channel, ...args) => {
        calls.push([channel, ...args]);
        return answers.get(channel);
      },
      (file) => (file.name === 'dropped.png' ? '/home/ada/dropped.png' : ''),
    );
    expect(await api.pickFiles()).toEqual([chosen]);
    expect(await api.chooseSaveFile('map.pdf')).toBeNull();
    expect(await api.openSaved('x')).toBe('refused');
    expect(await api.showInFolder('x')).toBe(false);
    // The dropped file's path goes to main only; a File made in the page has none and is left out.
    expect(await api.grantDroppedFiles([new File(['x'], 'dropped.png'), new File(['x'], 'made-in-page.txt')])).toEqual([chosen]);
    expect(await api.grantDroppedFiles([new File(['x'], 'made-in-page.txt')])).toEqual([]);
    expect(calls).toEqual([
      [SHELL_CHANNELS.pickFiles],
      [SHELL_CHANNELS.chooseSaveFile, 'map.pdf'],
      [SHELL_CHANNELS.openSaved, 'x'],
      [SHELL_CHANNELS.showInFolder, 'x'],
      [SHELL_CHANNELS.grantDropped, ['/home/ada/dropped.png']],
    ]);
  });
});
