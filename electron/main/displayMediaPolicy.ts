/**
 * Screen and window sharing (`getDisplayMedia`). Electron has no picker of its own: the app
 * answers `session.setDisplayMediaRequestHandler` with one `desktopCapturer` source. (macOS 15's
 * system picker, `useSystemPicker`, is not used: Electron then skips the handler, and with it the
 * checks below.) Cairn lets the user
 * choose it in a native message box drawn by the shell, not in the page:
 * - the page never learns the titles of the user's other windows (they often name documents,
 *   mail subjects or web pages), nor gets thumbnails of them, unless a source is chosen and shared;
 * - no new page↔shell route is needed: the page calls `getDisplayMedia`, the shell asks the user,
 *   and a page that is not in a call, not ours, or acting without a user gesture gets nothing.
 * Windows shows the choices as a vertical list of command links, macOS stacks many buttons
 * vertically; the list is bounded so it fits on a screen. No system audio is shared (Electron
 * only has it on Windows, and the call already sends the microphone).
 */
import type { CallActivity } from './callActivity';
import { inCall } from './callActivity';
import { isOwnOrigin } from './permissionPolicy';

export interface DisplayMediaQuery {
  /** `request.securityOrigin` of Electron's handler. */
  readonly securityOrigin: string;
  /** The asking frame's URL and whether it is the top frame; null once it navigated away. */
  readonly frame: Readonly<{ url: string; isMainFrame: boolean }> | null;
  readonly videoRequested: boolean;
  readonly userGesture: boolean;
  readonly call: CallActivity;
}

export type DisplayMediaDecision = Readonly<{ kind: 'ask-user' }> | Readonly<{ kind: 'deny'; reason: string }>;

export function decideDisplayMedia(query: DisplayMediaQuery): DisplayMediaDecision {
  if (!isOwnOrigin(query.securityOrigin) || !query.frame || !isOwnOrigin(query.frame.url)) return deny('request from another origin');
  if (!query.frame.isMainFrame) return deny('request from a sub-frame');
  if (!inCall(query.call)) return deny('screen sharing is only available in a call this device is in');
  if (!query.videoRequested) return deny('a share without video');
  // A page script cannot pop the picker at will: only a click (the call screen's Share button) can.
  if (!query.userGesture) return deny('screen sharing must start from a click');
  return { kind: 'ask-user' };
}

export interface CaptureSource {
  /** desktopCapturer's id: `screen:<n>:0` or `window:<n>:0`. */
  readonly id: string;
  readonly name: string;
}

/** At most this many windows are offered (after every screen), so the box fits on a screen. */
export const MAX_WINDOW_CHOICES = 12;
const MAX_NAME_LENGTH = 70;

export interface DisplayPicker {
  readonly message: string;
  readonly detail: string;
  /** Button labels, Cancel last. */
  readonly buttons: readonly string[];
  readonly cancelId: number;
  /** The source of each button but Cancel, by index. */
  readonly sourceIds: readonly string[];
}

/**
 * The message box that asks which screen or window to share. Screens first ("Entire screen",
 * numbered when there are several), then windows by title, Cancel last (Escape chooses it).
 */
export function displayPicker(sources: readonly CaptureSource[]): DisplayPicker {
  const screens = sources.filter((source) => source.id.startsWith('screen:'));
  const windows = sources.filter((source) => source.id.startsWith('window:') && source.name.trim() !== '').slice(0, MAX_WINDOW_CHOICES);
  const screenLabels = screens.map((_, index) => (screens.length === 1 ? 'Entire screen' : `Entire screen ${index + 1}`));
  const windowLabels = windows.map((source) => `Window: ${shorten(source.name.trim())}`);
  const chosen = [...screens, ...windows];
  return {
    message: 'Share your screen or a window',
    detail: chosen.length === 0
      ? 'Cairn cannot see any screen or window to share. On macOS, allow Cairn under System Settings → Privacy & Security → Screen Recording.'
      : 'The other person sees what you choose until you stop sharing.',
    buttons: [...screenLabels, ...windowLabels, 'Cancel'],
    cancelId: chosen.length,
    sourceIds: chosen.map((source) => source.id),
  };
}

/** The source behind the button the user pressed, or null for Cancel (or a list that changed). */
export function chosenSource(picker: DisplayPicker, response: number): string | null {
  return picker.sourceIds[response] ?? null;
}

function shorten(name: string): string {
  return name.length <= MAX_NAME_LENGTH ? name : `${name.slice(0, MAX_NAME_LENGTH - 1)}…`;
}

function deny(reason: string): DisplayMediaDecision {
  return { kind: 'deny', reason };
}
