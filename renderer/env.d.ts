import type { CairnBridge } from '../electron/core/ipc/bridge';

declare global {
  interface Window {
    /** Exposed by the preload (Electron) or the test host; see electron/core/ipc/bridge.ts. */
    readonly cairn?: CairnBridge;
  }
}
