/**
 * Sandboxed preload: exposes `window.cairn` (the typed bridge, plus `shell` for file dialogs and
 * dropped files) and nothing else. A dropped File's path is read here, in the isolated world,
 * and goes only to main, which answers with a grant id (shellApi.ts): the page never sees it. The shell sends the core's MessagePort on `cairn:port`;
 * requests then go straight to the core process without touching the main process's
 * JavaScript. Only `cairn.shell` calls go to main (`ipcRenderer.invoke`), which checks them.
 *
 * Bundled to a single CommonJS file that requires only `electron` (see build/bundle.ts).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from '../core/ipc/bridge';
import { CALL_ACTION_CHANNEL, createShellApi } from '../core/ipc/shellApi';
import { CORE_PORT_CHANNEL } from './channels';
import { adaptDomPort, createSwappablePortTransport } from './portTransport';

const transport = createSwappablePortTransport();

ipcRenderer.on(CORE_PORT_CHANNEL, (event) => {
  const candidate: unknown = event.ports[0];
  const port = adaptDomPort(candidate);
  if (port) transport.usePort(port);
});

const shell = createShellApi(
  (channel, ...args) => ipcRenderer.invoke(channel, ...args),
  // A File from the page's drop event; Electron knows where it lives on disk (a File the page
  // made itself has no path and yields no grant).
  (file) => webUtils.getPathForFile(file),
  // Accept or Decline on a call notification (main/callNotices.ts); checked in createShellApi.
  (listener) => {
    const handler = (_event: unknown, payload: unknown): void => listener(payload);
    ipcRenderer.on(CALL_ACTION_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(CALL_ACTION_CHANNEL, handler);
  },
);

contextBridge.exposeInMainWorld('cairn', { ...createBridge(transport), shell });
