/**
 * `window.cairn.shell`: what the sandboxed renderer asks of the desktop shell rather than the
 * core — the OS file dialogs, the path of a dropped file, and opening a saved file. The page has
 * no Node and no paths of its own; the shell (Electron main) shows the dialogs and returns the
 * paths the user chose, which the page then hands to `files.send` / `files.download` (the core
 * checks them again).
 *
 * `createShellApi` is shared by the Electron preload (transport: `ipcRenderer.invoke`) and the
 * test host (transport: a Playwright binding), like `createBridge`. No imports: it is bundled
 * into the sandboxed preload.
 */

/** ipcMain channels of the shell requests (main validates every payload and the sender). */
export const SHELL_CHANNELS = {
  pickFiles: 'cairn:shell:pick-files',
  chooseSavePath: 'cairn:shell:choose-save-path',
  openPath: 'cairn:shell:open-path',
  showInFolder: 'cairn:shell:show-in-folder',
} as const;
export type ShellChannel = (typeof SHELL_CHANNELS)[keyof typeof SHELL_CHANNELS];

/** What `openPath` did: risky file types are shown in their folder instead of being run. */
export type OpenPathOutcome = 'opened' | 'shown-in-folder' | 'refused';

export interface ShellApi {
  /** Shows the OS "open" dialog for one or more files; the chosen absolute paths, [] if cancelled. */
  pickFiles(): Promise<string[]>;
  /** Shows the OS "save" dialog with `suggestedName` in the Downloads folder; null if cancelled. */
  chooseSavePath(suggestedName: string): Promise<string | null>;
  /** The absolute path of a File from a drop on the window, or null (not a file on disk). */
  pathForDroppedFile(file: File): string | null;
  /**
   * Opens a file saved through `chooseSavePath` in this session with its default app. Only such
   * files: the page cannot make the shell open anything else.
   */
  openPath(path: string): Promise<OpenPathOutcome>;
  /** Shows a file saved through `chooseSavePath` in this session in the OS file manager. */
  showInFolder(path: string): Promise<boolean>;
}

/** Sends one shell request and resolves to main's (unchecked) answer. */
export type ShellInvoke = (channel: ShellChannel, ...args: unknown[]) => Promise<unknown>;

export function createShellApi(invoke: ShellInvoke, pathForFile: (file: File) => string): ShellApi {
  return {
    async pickFiles() {
      const answer = await invoke(SHELL_CHANNELS.pickFiles);
      return Array.isArray(answer) ? answer.filter((entry): entry is string => typeof entry === 'string') : [];
    },
    async chooseSavePath(suggestedName) {
      const answer = await invoke(SHELL_CHANNELS.chooseSavePath, suggestedName);
      return typeof answer === 'string' ? answer : null;
    },
    pathForDroppedFile(file) {
      try {
        const found = pathForFile(file);
        return found === '' ? null : found;
      } catch {
        return null;
      }
    },
    async openPath(path) {
      const answer = await invoke(SHELL_CHANNELS.openPath, path);
      return answer === 'opened' || answer === 'shown-in-folder' ? answer : 'refused';
    },
    async showInFolder(path) {
      return (await invoke(SHELL_CHANNELS.showInFolder, path)) === true;
    },
  };
}
