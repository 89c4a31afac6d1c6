/**
 * The shell's answers to `window.cairn.shell` (electron/core/ipc/shellApi.ts): file dialogs and
 * opening saved files. Every payload from the page is checked here; the OS calls are injected
 * (`ShellEffects`), so this runs unchanged under Electron (shellIpc.ts) and in the test host,
 * whose stand-in effects play the dialogs.
 *
 * Paths go only one way: the user picks them in an OS dialog, the page passes them on to the
 * core. The page can make the shell open nothing but a file the user chose to save here in this
 * session, and files that would run code when opened are shown in their folder instead.
 */
import path from 'node:path';
import type { OpenPathOutcome, ShellChannel } from '../core/ipc/shellApi';
import { SHELL_CHANNELS } from '../core/ipc/shellApi';

export interface OpenDialogRequest {
  readonly title: string;
  readonly properties: ReadonlyArray<'openFile' | 'multiSelections'>;
}

export interface SaveDialogRequest {
  readonly title: string;
  readonly defaultPath: string;
}

export interface ShellEffects {
  /** The chosen paths, or [] when the user cancelled. */
  showOpenDialog(request: OpenDialogRequest): Promise<readonly string[]>;
  /** The chosen path, or undefined when the user cancelled. */
  showSaveDialog(request: SaveDialogRequest): Promise<string | undefined>;
  /** Opens with the default app; resolves to an error text, '' on success (Electron's `shell.openPath`). */
  openPath(file: string): Promise<string>;
  showItemInFolder(file: string): void;
  /** The user's Downloads folder. */
  downloadsDir(): string;
  log(message: string): void;
}

/** At most this many files per pick, and this many remembered saved paths. */
export const MAX_PICKED_FILES = 100;
const MAX_REMEMBERED = 1000;
const MAX_PATH = 4096;

/**
 * Extensions that run code (or install or configure something) when opened with their default
 * app, on any of the three systems. Opening one from a message is how malware spreads; the user
 * gets the folder instead and decides.
 */
const RUNS_CODE = new Set(
  (
    'exe com bat cmd msi msix msp scr pif cpl hta jar js jse vbs vbe wsf wsh ps1 psm1 reg lnk url inf scf ' +
    'app command tool pkg dmg workflow action terminal ' +
    'sh bash zsh csh ksh run bin desktop appimage deb rpm snap flatpak flatpakref py pyw pl rb php'
  ).split(' '),
);

/** The file name part of what the page suggests for a save dialog, made safe. */
export function suggestedFileName(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : '';
  // Only a name: no folders, no control characters, nothing Windows refuses in names.
  const base = [...(text.split(/[\\/]/).pop() ?? '')]
    .map((char) => (char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f || '<>:"|?*'.includes(char) ? '_' : char))
    .join('')
    .trim()
    .slice(0, 255);
  return base === '' || base === '.' || base === '..' ? 'file' : base;
}

/** An absolute path argument from the page, or undefined. */
export function pathArgument(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_PATH || raw.includes('\u0000')) return undefined;
  return path.isAbsolute(raw) ? path.normalize(raw) : undefined;
}

/** Whether opening `file` with its default app would run code. */
export function runsCode(file: string): boolean {
  const extension = path.extname(file).slice(1).toLowerCase();
  return RUNS_CODE.has(extension);
}

/** Paths the user chose in this session's save dialogs: the only ones the page may open. */
export class SavedPaths {
  private readonly paths: string[] = [];

  remember(file: string): void {
    const normal = path.normalize(file);
    if (this.paths.includes(normal)) return;
    this.paths.push(normal);
    if (this.paths.length > MAX_REMEMBERED) this.paths.shift();
  }

  has(file: string): boolean {
    return this.paths.includes(path.normalize(file));
  }
}

export interface ShellRequestHandler {
  /** Answers one request; never throws, whatever the page sends. */
  handle(channel: ShellChannel, args: readonly unknown[]): Promise<unknown>;
}

export function createShellRequestHandler(effects: ShellEffects, saved = new SavedPaths()): ShellRequestHandler {
  const pickFiles = async (): Promise<string[]> => {
    const chosen = await effects.showOpenDialog({ title: 'Send files', properties: ['openFile', 'multiSelections'] });
    return chosen.flatMap((file) => pathArgument(file) ?? []).slice(0, MAX_PICKED_FILES);
  };
  const chooseSavePath = async (suggested: unknown): Promise<string | null> => {
    const name = suggestedFileName(suggested);
    const chosen = await effects.showSaveDialog({ title: 'Save file', defaultPath: path.join(effects.downloadsDir(), name) });
    const file = pathArgument(chosen);
    if (file === undefined) return null;
    saved.remember(file);
    return file;
  };
  const openPath = async (raw: unknown): Promise<OpenPathOutcome> => {
    const file = pathArgument(raw);
    if (file === undefined || !saved.has(file)) {
      effects.log('refused to open a path that was not saved through the save dialog');
      return 'refused';
    }
    if (runsCode(file)) {
      effects.showItemInFolder(file);
      return 'shown-in-folder';
    }
    const failure = await effects.openPath(file);
    if (failure === '') return 'opened';
    effects.log('the OS could not open a saved file');
    return 'refused';
  };
  const showInFolder = (raw: unknown): boolean => {
    const file = pathArgument(raw);
    if (file === undefined || !saved.has(file)) return false;
    effects.showItemInFolder(file);
    return true;
  };

  return {
    async handle(channel, args) {
      try {
        switch (channel) {
          case SHELL_CHANNELS.pickFiles:
            return await pickFiles();
          case SHELL_CHANNELS.chooseSavePath:
            return await chooseSavePath(args[0]);
          case SHELL_CHANNELS.openPath:
            return await openPath(args[0]);
          case SHELL_CHANNELS.showInFolder:
            return showInFolder(args[0]);
          default:
            return missingChannel(channel);
        }
      } catch {
        effects.log(`a shell request failed (${channel})`);
        return channel === SHELL_CHANNELS.pickFiles ? [] : channel === SHELL_CHANNELS.openPath ? 'refused' : null;
      }
    },
  };
}

function missingChannel(channel: never): null {
  void channel;
  return null;
}
