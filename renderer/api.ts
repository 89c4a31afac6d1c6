/**
 * The renderer's only door to the core. Components call these functions; nothing else in
 * the renderer touches `window.cairn`.
 */
import type { EventName, EventOf, RequestChannel, RequestOf, ResponseOf } from '../electron/core/ipc/contract';
import type { ChosenFile, OpenPathOutcome, ShellCallAction } from '../electron/core/ipc/shellApi';
import type { Result } from '../protocol/result';

function bridge() {
  const cairn = window.cairn;
  if (!cairn) throw new Error('window.cairn is missing: the renderer was opened outside Cairn.');
  return cairn;
}

export function isBridgeAvailable(): boolean {
  return window.cairn !== undefined;
}

export function request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
  return bridge().request(channel, payload);
}

export function onEvent<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void {
  return bridge().on(event, listener);
}

export const api = {
  appInfo: () => request('app.info', {}),
  probeServer: (url: string, pins: readonly string[]) => request('server.probe', { url, pins: [...pins] }),
};

/**
 * The desktop shell's file dialogs (`window.cairn.shell`). The page never sees a path: each file
 * the user picks, drops or chooses to save comes back as a grant id (with a name to show), which
 * `files.send`, `files.download` and the backup requests take. Only files saved through
 * `chooseSaveFile` in this session can be opened or shown in their folder, by their grant; types
 * that do not open safely are shown in their folder instead.
 */
export const shell = {
  /** The files the user picked to send; [] when cancelled. */
  pickFiles: (): Promise<ChosenFile[]> => bridge().shell.pickFiles(),
  /** Where to save a download, or null when cancelled. */
  chooseSaveFile: (suggestedName: string): Promise<ChosenFile | null> => bridge().shell.chooseSaveFile(suggestedName),
  /** Grants for the files dropped on the window; those not on disk are left out. */
  grantDroppedFiles: (files: readonly File[]): Promise<ChosenFile[]> => bridge().shell.grantDroppedFiles(files),
  openSaved: (grant: string): Promise<OpenPathOutcome> => bridge().shell.openSaved(grant),
  showInFolder: (grant: string): Promise<boolean> => bridge().shell.showInFolder(grant),
  /** Accept or Decline pressed on a call notification (or a click on it); nothing outside the shell. */
  onCallAction: (listener: (action: ShellCallAction) => void): (() => void) => window.cairn?.shell.onCallAction(listener) ?? (() => undefined),
};
