/**
 * The test host's stand-in for Electron's dialogs and `shell` behind `window.cairn.shell`.
 * Electron cannot run here, so the OS parts are played by the test: it says what the next
 * dialog returns and reads what was opened. Everything else is the shell's real code: page
 * requests go through `createShellApi` (as in the preload) and `createShellRequestHandler` (as in
 * Electron main), with the same payload checks, and the grants go to the core over a channel of
 * their own (`grantToCore`: the worker's shell port, as main uses the utility process's parent
 * port), never through the page.
 */
import type { ShellChannel } from '../../electron/core/ipc/shellApi';
import type { GrantAccess, OpenDialogRequest, SaveDialogRequest } from '../../electron/main/shellRequests';
import { createShellRequestHandler } from '../../electron/main/shellRequests';

export type ShownDialog = Readonly<{ kind: 'open'; request: OpenDialogRequest }> | Readonly<{ kind: 'save'; request: SaveDialogRequest }>;

export interface ShellStandIn {
  /** The next open dialog "picks" these files; with none queued, the user cancels. */
  willPickFiles(paths: readonly string[]): void;
  /** The next save dialog returns `path` (null: the user cancels). */
  willChooseSavePath(path: string | null): void;
  /** Dialogs the page opened, oldest first. */
  readonly dialogs: readonly ShownDialog[];
  /** Files the shell opened with their default app, and those shown in their folder. */
  readonly opened: readonly string[];
  readonly shownInFolder: readonly string[];
  /** Answers one request from the page (wired to the page's `__cairnShell` binding). */
  handle(channel: ShellChannel, args: readonly unknown[]): Promise<unknown>;
}

export type GrantToCore = (id: string, access: GrantAccess, file: string) => Promise<boolean>;

export function createShellStandIn(downloadsDir: string, grantToCore: GrantToCore): ShellStandIn {
  const picks: Array<readonly string[]> = [];
  const saves: Array<string | null> = [];
  const dialogs: ShownDialog[] = [];
  const opened: string[] = [];
  const shownInFolder: string[] = [];
  const handler = createShellRequestHandler({
    showOpenDialog: async (request) => {
      dialogs.push({ kind: 'open', request });
      return picks.shift() ?? [];
    },
    showSaveDialog: async (request) => {
      dialogs.push({ kind: 'save', request });
      return saves.shift() ?? undefined;
    },
    grant: grantToCore,
    openPath: async (file) => {
      opened.push(file);
      return '';
    },
    showItemInFolder: (file) => {
      shownInFolder.push(file);
    },
    downloadsDir: () => downloadsDir,
    log: () => undefined,
  });
  return {
    willPickFiles: (paths) => picks.push([...paths]),
    willChooseSavePath: (path) => saves.push(path),
    dialogs,
    opened,
    shownInFolder,
    handle: (channel, args) => handler.handle(channel, args),
  };
}
