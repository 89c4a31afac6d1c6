/**
 * Wires the call decisions to Electron: the power-save blocker and taskbar attention of
 * callPresence.ts, and the screen-sharing picker of displayMediaPolicy.ts. Decisions live there;
 * this file only calls Electron.
 */
import type { BrowserWindow, DesktopCapturerSource, Session, Streams } from 'electron';
import { app, desktopCapturer, dialog, powerSaveBlocker } from 'electron';
import type { CallActivity } from './callActivity';
import { inCall } from './callActivity';
import { CallPresence, attentionStyle } from './callPresence';
import { chosenSource, decideDisplayMedia, displayPicker } from './displayMediaPolicy';

export function createCallPresence(currentWindow: () => BrowserWindow | undefined): CallPresence {
  const style = attentionStyle(process.platform);
  let bounce: number | undefined;
  return new CallPresence({
    preventSleep: () => powerSaveBlocker.start('prevent-display-sleep'),
    allowSleep: (blocker) => powerSaveBlocker.stop(blocker),
    isWindowFocused: () => currentWindow()?.isFocused() ?? false,
    attention: (on) => {
      if (style === 'dock-bounce') {
        // 'critical' bounces until the app is activated or the bounce is cancelled.
        if (on) bounce = app.dock?.bounce('critical');
        else if (bounce !== undefined) {
          app.dock?.cancelBounce(bounce);
          bounce = undefined;
        }
        return;
      }
      const window = currentWindow();
      if (window && !window.isDestroyed()) window.flashFrame(on);
    },
  });
}

/** `getDisplayMedia` gets the one source the user picks in a shell message box, only in a call. */
export function installDisplayMediaHandler(
  session: Session,
  currentCall: () => CallActivity,
  currentWindow: () => BrowserWindow | undefined,
  log: (message: string) => void,
): void {
  session.setDisplayMediaRequestHandler(
    (request, callback) => {
      const decision = decideDisplayMedia({
        securityOrigin: request.securityOrigin,
        frame: request.frame ? { url: request.frame.url, isMainFrame: request.frame.parent === null } : null,
        videoRequested: request.videoRequested,
        userGesture: request.userGesture,
        call: currentCall(),
      });
      if (decision.kind === 'deny') {
        log(`refused a screen share: ${decision.reason}`);
        refuse(callback, log);
        return;
      }
      void pickSource(currentCall, currentWindow).then(
        (source) => (source ? callback({ video: source }) : refuse(callback, log)),
        (error: unknown) => {
          log(`screen share picker failed: ${error instanceof Error ? error.message : 'unknown error'}`);
          refuse(callback, log);
        },
      );
    },
    // Not macOS 15's system picker: with it Electron never calls this handler, so a page could
    // open a picker outside a call (displayMediaPolicy.ts).
    { useSystemPicker: false },
  );
}

/**
 * Rejects the page's `getDisplayMedia` (it gets a NotAllowedError). Electron rejects a request
 * answered with null (electron/electron#30702: "if null or not supplied, the request will be
 * rejected"), while an empty `{}` for a request that asked for video throws in main and leaves the
 * page's promise pending (electron/electron#47980, #45517). electron.d.ts types the answer as
 * `Streams` only, so null goes through Reflect.apply instead of a cast.
 */
function refuse(callback: (streams: Streams) => void, log: (message: string) => void): void {
  try {
    Reflect.apply(callback, undefined, [null]);
  } catch (error) {
    log(`refusing a screen share failed: ${error instanceof Error ? error.message : 'unknown error'}`);
  }
}

async function pickSource(
  currentCall: () => CallActivity,
  currentWindow: () => BrowserWindow | undefined,
): Promise<DesktopCapturerSource | undefined> {
  // No thumbnails: nothing of the other windows is captured just to draw the list.
  const sources = await desktopCapturer.getSources({ types: ['screen', 'window'], thumbnailSize: { width: 0, height: 0 } });
  const picker = displayPicker(sources);
  const options = { type: 'question' as const, message: picker.message, detail: picker.detail, buttons: [...picker.buttons], cancelId: picker.cancelId, defaultId: picker.cancelId, noLink: false };
  const window = currentWindow();
  const answer = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  const id = chosenSource(picker, answer.response);
  // The call may have ended while the box was open.
  if (id === null || !inCall(currentCall())) return undefined;
  return sources.find((source) => source.id === id);
}
