import type { CairnBridge } from '../electron/core/ipc/bridge';
import type { ShellApi } from '../electron/core/ipc/shellApi';

declare global {
  interface Window {
    /** Exposed by the preload (Electron) or the test host; see electron/core/ipc/bridge.ts and shellApi.ts. */
    readonly cairn?: CairnBridge & { readonly shell: ShellApi };
  }
}
