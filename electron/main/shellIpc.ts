/**
 * Glue for `window.cairn.shell`: answers the preload's `ipcRenderer.invoke` calls with
 * shellRequests.ts, after checking that the caller is our page's top frame (as for the core
 * port). The decisions are in shellRequests.ts; this file only reaches Electron.
 */
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { app, dialog, ipcMain, shell } from 'electron';
import type { ShellChannel } from '../core/ipc/shellApi';
import { SHELL_CHANNELS } from '../core/ipc/shellApi';
import { mayReceiveCorePort } from './navigationPolicy';
import { createShellRequestHandler } from './shellRequests';

/** Sends a file grant to the core over the shell's own channel (the core supervisor). */
export type GrantToCore = (id: string, access: 'read' | 'write', file: string) => Promise<boolean>;

export function installShellIpc(
  currentWindow: () => BrowserWindow | undefined,
  grantToCore: GrantToCore,
  log: (message: string) => void,
  openAllowList?: readonly string[],
): void {
  const handler = createShellRequestHandler({
    async showOpenDialog(request) {
      const window = currentWindow();
      const options = { title: request.title, properties: [...request.properties] };
      const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      return result.canceled ? [] : result.filePaths;
    },
    async showSaveDialog(request) {
      const window = currentWindow();
      const options = { title: request.title, defaultPath: request.defaultPath };
      const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
      return result.canceled || result.filePath === '' ? undefined : result.filePath;
    },
    grant: grantToCore,
    openPath: (file) => shell.openPath(file),
    showItemInFolder: (file) => shell.showItemInFolder(file),
    downloadsDir: () => app.getPath('downloads'),
    log,
    ...(openAllowList === undefined ? {} : { openAllowList }),
  });
  for (const channel of Object.values(SHELL_CHANNELS)) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => answer(event, channel, args));
  }

  function answer(event: IpcMainInvokeEvent, channel: ShellChannel, args: unknown[]): Promise<unknown> {
    const frame = event.senderFrame;
    if (!frame || !mayReceiveCorePort(frame.url, frame.parent === null)) {
      log(`refused a shell request from outside the app (${channel})`);
      return Promise.resolve(null);
    }
    return handler.handle(channel, args);
  }
}
