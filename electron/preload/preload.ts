/**
 * Sandboxed preload: exposes `window.cairn` (the typed bridge) and nothing else. The shell
 * sends the core's MessagePort on `cairn:port`; requests then go straight to the core
 * process without touching the main process's JavaScript.
 *
 * Bundled to a single CommonJS file that requires only `electron` (see build/bundle.ts).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from '../core/ipc/bridge';
import { CORE_PORT_CHANNEL } from './channels';
import { adaptDomPort, createSwappablePortTransport } from './portTransport';

const transport = createSwappablePortTransport();

ipcRenderer.on(CORE_PORT_CHANNEL, (event) => {
  const candidate: unknown = event.ports[0];
  const port = adaptDomPort(candidate);
  if (port) transport.usePort(port);
});

contextBridge.exposeInMainWorld('cairn', createBridge(transport));
