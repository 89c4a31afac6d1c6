/**
 * Runs inside the page before the renderer's own scripts (Playwright init script). It builds
 * `window.cairn` with the same `createBridge` the Electron preload uses; only the transport
 * differs: a Playwright binding out, `page.evaluate` calls in. `cairn.shell` is built by the
 * preload's `createShellApi` too; its requests go to the test's stand-in for the OS dialogs
 * (shellStandIn.ts), and a dropped file's path comes from the names the test registered (the
 * preload's webUtils.getPathForFile), which the stand-in turns into grants as main does.
 */
import { createBridge } from '../../electron/core/ipc/bridge';
import { createShellApi } from '../../electron/core/ipc/shellApi';
import type { ShellChannel } from '../../electron/core/ipc/shellApi';
import type { WireToCore } from '../../electron/core/ipc/wire';

interface HostGlobals {
  __cairnSend?: (message: WireToCore) => Promise<void>;
  __cairnReceive?: (message: unknown) => void;
  __cairnShell?: (channel: ShellChannel, args: unknown[]) => Promise<unknown>;
  /** File name -> path, as Electron's webUtils.getPathForFile would answer for a dropped file. */
  __cairnDroppedPaths?: Record<string, string>;
}

const host = globalThis as typeof globalThis & HostGlobals;
const listeners: Array<(message: unknown) => void> = [];
host.__cairnReceive = (message) => {
  for (const listener of listeners) listener(message);
};

const bridge = createBridge({
  send: (message) => {
    const send = host.__cairnSend;
    if (!send) throw new Error('test host binding missing');
    void send(message);
  },
  onMessage: (listener) => listeners.push(listener),
});

const shell = createShellApi(
  (channel, ...args) => {
    const send = host.__cairnShell;
    if (!send) return Promise.reject(new Error('test host shell binding missing'));
    return send(channel, args);
  },
  (file) => host.__cairnDroppedPaths?.[file.name] ?? '',
);

Object.defineProperty(globalThis, 'cairn', { value: Object.freeze({ ...bridge, shell: Object.freeze(shell) }), enumerable: true });
