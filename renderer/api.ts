/**
 * The renderer's only door to the core. Components call these functions; nothing else in
 * the renderer touches `window.cairn`.
 */
import type { EventName, EventOf, RequestChannel, RequestOf, ResponseOf } from '../electron/core/ipc/contract';
import type { OpenPathOutcome } from '../electron/core/ipc/shellApi';
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
 * The desktop shell's file dialogs (`window.cairn.shell`): paths chosen here go on to
 * `files.send` / `files.download`. Only files saved through `chooseSavePath` in this session can
 * be opened or shown in their folder; files that would run code are shown in their folder instead.
 */
export const shell = {
  /** Absolute paths of the files the user picked to send; [] when cancelled. */
  pickFiles: (): Promise<string[]> => bridge().shell.pickFiles(),
  /** Where to save a download, or null when cancelled. */
  chooseSavePath: (suggestedName: string): Promise<string | null> => bridge().shell.chooseSavePath(suggestedName),
  /** The path of a file dropped on the window, or null when it is not a file on disk. */
  pathForDroppedFile: (file: File): string | null => bridge().shell.pathForDroppedFile(file),
  openPath: (path: string): Promise<OpenPathOutcome> => bridge().shell.openPath(path),
  showInFolder: (path: string): Promise<boolean> => bridge().shell.showInFolder(path),
};
