/**
 * `window.cairn.shell`: what the sandboxed renderer asks of the desktop shell rather than the
 * core — the OS file dialogs, files dropped on the window, and opening a saved file.
 *
 * The page never sees or names a path. For each file the user picks, drops or chooses to save,
 * the shell (Electron main) tells the core, over its own channel, "grant <id> stands for this
 * path" (electron/core/services/fileGrants.ts), and gives the page only the grant id and the
 * file's name to show. `files.send`, `files.download` and the backup requests take the id; a
 * compromised page can therefore read or write nothing but what the user chose.
 *
 * `createShellApi` is shared by the Electron preload (transport: `ipcRenderer.invoke`) and the
 * test host (transport: a Playwright binding), like `createBridge`. No imports: it is bundled
 * into the sandboxed preload.
 */

/** ipcMain channels of the shell requests (main validates every payload and the sender). */
export const SHELL_CHANNELS = {
  pickFiles: 'cairn:shell:pick-files',
  chooseSaveFile: 'cairn:shell:choose-save-file',
  grantDropped: 'cairn:shell:grant-dropped',
  openSaved: 'cairn:shell:open-saved',
  showInFolder: 'cairn:shell:show-in-folder',
} as const;
export type ShellChannel = (typeof SHELL_CHANNELS)[keyof typeof SHELL_CHANNELS];

/** The one channel main sends the page on besides the core's port: a choice on a call notification (main/callNotices.ts). */
export const CALL_ACTION_CHANNEL = 'cairn:shell:call-action';

/** Accept or Decline pressed on an incoming call's notification, or a click on it (`show`). */
export type ShellCallAction = Readonly<{ callId: string; action: 'accept' | 'decline' | 'show'; media: 'audio' | 'video' }>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Main's payload, checked again on the page's side (no zod here: this file is bundled into the preload). */
export function shellCallAction(payload: unknown): ShellCallAction | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const callId = 'callId' in payload ? payload.callId : undefined;
  const action = 'action' in payload ? payload.action : undefined;
  const media = 'media' in payload ? payload.media : undefined;
  if (typeof callId !== 'string' || !UUID.test(callId)) return undefined;
  if (action !== 'accept' && action !== 'decline' && action !== 'show') return undefined;
  if (media !== 'audio' && media !== 'video') return undefined;
  return { callId, action, media };
}

/** What `openSaved` did: types outside the allow-list are shown in their folder instead. */
export type OpenPathOutcome = 'opened' | 'shown-in-folder' | 'refused';

/** A file the user chose: the grant id to hand the core, and the name to show. */
export interface ChosenFile {
  readonly grant: string;
  readonly name: string;
}

export interface ShellApi {
  /** Shows the OS "open" dialog for one or more files; [] if cancelled. Read grants. */
  pickFiles(): Promise<ChosenFile[]>;
  /** Shows the OS "save" dialog with `suggestedName` in the Downloads folder; null if cancelled. A write grant. */
  chooseSaveFile(suggestedName: string): Promise<ChosenFile | null>;
  /** Read grants for Files dropped on the window; files that are not on disk are left out. */
  grantDroppedFiles(files: readonly File[]): Promise<ChosenFile[]>;
  /**
   * Opens a file saved through `chooseSaveFile` in this session (by its grant) with its default
   * app, or shows it in its folder when its type is not one that opens safely. Nothing else.
   */
  openSaved(grant: string): Promise<OpenPathOutcome>;
  /** Shows a file saved through `chooseSaveFile` in this session in the OS file manager. */
  showInFolder(grant: string): Promise<boolean>;
  /** Calls `listener` for each choice on a call notification; returns the unsubscribe function. */
  onCallAction(listener: (action: ShellCallAction) => void): () => void;
}

/** How the preload hears main's call-notification choices (the test host has none: nothing arrives). */
export type ShellListen = (listener: (payload: unknown) => void) => () => void;

/** Sends one shell request and resolves to main's (unchecked) answer. */
export type ShellInvoke = (channel: ShellChannel, ...args: unknown[]) => Promise<unknown>;

/** At most this many files per pick or drop (main enforces the same bound). */
export const MAX_CHOSEN_FILES = 100;

export function createShellApi(invoke: ShellInvoke, pathForFile: (file: File) => string, listen?: ShellListen): ShellApi {
  return {
    onCallAction(listener) {
      if (listen === undefined) return () => undefined;
      return listen((payload) => {
        const action = shellCallAction(payload);
        if (action !== undefined) listener(action);
      });
    },
    async pickFiles() {
      return chosenFiles(await invoke(SHELL_CHANNELS.pickFiles));
    },
    async chooseSaveFile(suggestedName) {
      return chosenFile(await invoke(SHELL_CHANNELS.chooseSaveFile, suggestedName)) ?? null;
    },
    async grantDroppedFiles(files) {
      // The path is read here, in the preload's isolated world, and goes only to main.
      const paths = [...files].slice(0, MAX_CHOSEN_FILES).flatMap((file) => {
        try {
          const found = pathForFile(file);
          return found === '' ? [] : [found];
        } catch {
          return [];
        }
      });
      return paths.length === 0 ? [] : chosenFiles(await invoke(SHELL_CHANNELS.grantDropped, paths));
    },
    async openSaved(grant) {
      const answer = await invoke(SHELL_CHANNELS.openSaved, grant);
      return answer === 'opened' || answer === 'shown-in-folder' ? answer : 'refused';
    },
    async showInFolder(grant) {
      return (await invoke(SHELL_CHANNELS.showInFolder, grant)) === true;
    },
  };
}

function chosenFiles(answer: unknown): ChosenFile[] {
  return Array.isArray(answer) ? answer.flatMap((entry) => chosenFile(entry) ?? []) : [];
}

function chosenFile(answer: unknown): ChosenFile | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const grant: unknown = Reflect.get(answer, 'grant');
  const name: unknown = Reflect.get(answer, 'name');
  return typeof grant === 'string' && typeof name === 'string' ? { grant, name } : undefined;
}
