/**
 * The shell's answers to `window.cairn.shell` (electron/core/ipc/shellApi.ts): file dialogs,
 * dropped files and opening saved files. Every payload from the page is checked here; the OS
 * calls and the channel to the core are injected (`ShellEffects`), so this runs unchanged under
 * Electron (shellIpc.ts) and in the test host, whose stand-in effects play the dialogs.
 *
 * Paths never reach the page. For each file the user picks, drops or chooses to save, the shell
 * mints an unguessable grant id, has the core record it (`effects.grant`, over the shell's own
 * channel to the core), and answers the page with the id and the file's name only. The page can
 * make the shell open nothing but a file the user chose to save in this session, by its grant,
 * and only types on the allow-list open (fileOpenPolicy.ts); the rest are shown in their folder.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ChosenFile, OpenPathOutcome, ShellChannel } from '../core/ipc/shellApi';
import { MAX_CHOSEN_FILES, SHELL_CHANNELS } from '../core/ipc/shellApi';
import { safeFileName } from './fileNames';
import { decideOpen } from './fileOpenPolicy';

export interface OpenDialogRequest {
  readonly title: string;
  readonly properties: ReadonlyArray<'openFile' | 'multiSelections'>;
}

export interface SaveDialogRequest {
  readonly title: string;
  readonly defaultPath: string;
}

export type GrantAccess = 'read' | 'write';

export interface ShellEffects {
  /** The chosen paths, or [] when the user cancelled. */
  showOpenDialog(request: OpenDialogRequest): Promise<readonly string[]>;
  /** The chosen path, or undefined when the user cancelled. */
  showSaveDialog(request: SaveDialogRequest): Promise<string | undefined>;
  /**
   * Tells the core that grant `id` stands for `file`, over the shell's own channel to the core
   * (never through the page); true once the core recorded it.
   */
  grant(id: string, access: GrantAccess, file: string): Promise<boolean>;
  /** Opens with the default app; resolves to an error text, '' on success (Electron's `shell.openPath`). */
  openPath(file: string): Promise<string>;
  showItemInFolder(file: string): void;
  /** The user's Downloads folder. */
  downloadsDir(): string;
  log(message: string): void;
  /** Machine policy's narrower list of file types "Open" may hand to the OS (fileOpenPolicy.ts). */
  readonly openAllowList?: readonly string[];
}

/** At most this many files per pick or drop, and this many remembered saved files. */
export const MAX_PICKED_FILES = MAX_CHOSEN_FILES;
const MAX_REMEMBERED = 1000;
const MAX_PATH = 4096;

/** The file name part of what the page suggests for a save dialog, made safe (fileNames.ts). */
export function suggestedFileName(raw: unknown): string {
  return safeFileName(raw);
}

/** An absolute path from a dialog or a drop, or undefined. */
export function pathArgument(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_PATH || raw.includes('\u0000')) return undefined;
  return path.isAbsolute(raw) ? path.normalize(raw) : undefined;
}

/** A new grant id: 32 random bytes, base64url (the core's FileGrantSchema). */
export function newGrantId(): string {
  return randomBytes(32).toString('base64url');
}

/** Files the user chose in this session's save dialogs, by grant id: the only ones the page may open. */
export class SavedFiles {
  private readonly files = new Map<string, string>();

  remember(grant: string, file: string): void {
    this.files.set(grant, path.normalize(file));
    while (this.files.size > MAX_REMEMBERED) {
      const oldest = this.files.keys().next().value;
      if (oldest === undefined) break;
      this.files.delete(oldest);
    }
  }

  pathOf(grant: unknown): string | undefined {
    return typeof grant === 'string' ? this.files.get(grant) : undefined;
  }
}

export interface ShellRequestHandler {
  /** Answers one request; never throws, whatever the page sends. */
  handle(channel: ShellChannel, args: readonly unknown[]): Promise<unknown>;
}

export function createShellRequestHandler(effects: ShellEffects, saved = new SavedFiles()): ShellRequestHandler {
  const grantFor = async (access: GrantAccess, file: string): Promise<ChosenFile | undefined> => {
    const grant = newGrantId();
    if (!(await effects.grant(grant, access, file))) {
      effects.log('the core did not record a file grant');
      return undefined;
    }
    return { grant, name: path.basename(file) };
  };
  const grantAll = async (access: GrantAccess, files: readonly unknown[]): Promise<ChosenFile[]> => {
    const chosen: ChosenFile[] = [];
    for (const raw of files.slice(0, MAX_PICKED_FILES)) {
      const file = pathArgument(raw);
      const granted = file === undefined ? undefined : await grantFor(access, file);
      if (granted) chosen.push(granted);
    }
    return chosen;
  };
  const pickFiles = async (): Promise<ChosenFile[]> => {
    const picked = await effects.showOpenDialog({ title: 'Send files', properties: ['openFile', 'multiSelections'] });
    return grantAll('read', picked);
  };
  const chooseSaveFile = async (suggested: unknown): Promise<ChosenFile | null> => {
    const name = suggestedFileName(suggested);
    const chosen = await effects.showSaveDialog({ title: 'Save file', defaultPath: path.join(effects.downloadsDir(), name) });
    const file = pathArgument(chosen);
    if (file === undefined) return null;
    const granted = await grantFor('write', file);
    if (!granted) return null;
    saved.remember(granted.grant, file);
    return granted;
  };
  // The preload read these paths from dropped Files (webUtils.getPathForFile); main cannot see
  // the drop itself, so a drop yields read grants only, never write grants (SECURITY.md §4).
  const grantDropped = (raw: unknown): Promise<ChosenFile[]> => grantAll('read', Array.isArray(raw) ? raw : []);
  const openSaved = async (grant: unknown): Promise<OpenPathOutcome> => {
    const file = saved.pathOf(grant);
    if (file === undefined) {
      effects.log('refused to open a file that was not saved through the save dialog');
      return 'refused';
    }
    if (decideOpen(path.basename(file), effects.openAllowList) === 'show-in-folder') {
      effects.showItemInFolder(file);
      return 'shown-in-folder';
    }
    const failure = await effects.openPath(file);
    if (failure === '') return 'opened';
    effects.log('the OS could not open a saved file');
    return 'refused';
  };
  const showInFolder = (grant: unknown): boolean => {
    const file = saved.pathOf(grant);
    if (file === undefined) return false;
    effects.showItemInFolder(file);
    return true;
  };

  return {
    async handle(channel, args) {
      try {
        switch (channel) {
          case SHELL_CHANNELS.pickFiles:
            return await pickFiles();
          case SHELL_CHANNELS.chooseSaveFile:
            return await chooseSaveFile(args[0]);
          case SHELL_CHANNELS.grantDropped:
            return await grantDropped(args[0]);
          case SHELL_CHANNELS.openSaved:
            return await openSaved(args[0]);
          case SHELL_CHANNELS.showInFolder:
            return showInFolder(args[0]);
          default:
            return missingChannel(channel);
        }
      } catch {
        effects.log(`a shell request failed (${channel})`);
        return failedAnswer(channel);
      }
    },
  };
}

function failedAnswer(channel: ShellChannel): unknown {
  switch (channel) {
    case SHELL_CHANNELS.pickFiles:
    case SHELL_CHANNELS.grantDropped:
      return [];
    case SHELL_CHANNELS.openSaved:
      return 'refused';
    case SHELL_CHANNELS.chooseSaveFile:
    case SHELL_CHANNELS.showInFolder:
      return null;
    default:
      return missingChannel(channel);
  }
}

function missingChannel(channel: never): null {
  void channel;
  return null;
}
