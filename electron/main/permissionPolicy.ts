/**
 * Which web permissions the renderer gets. The answer is almost always no:
 * - `media` (camera and microphone only) while the core reports a call on this device (being
 *   prepared, ringing or running), for our own top frame. Outside a call a compromised or buggy
 *   page cannot switch the camera on, nor list the devices by name (Chromium asks the check
 *   handler for `media` before it gives `enumerateDevices` labels, Electron PR #42775).
 * - `display-capture` (screen and window sharing) only in a call this device is in, not while a
 *   call merely rings here; the source is still chosen by the user in the shell's picker
 *   (displayMediaPolicy.ts), so the page never picks a window itself.
 * - `clipboard-sanitized-write`, for our own top frame: "copy message" and "copy
 *   fingerprint" use `navigator.clipboard.writeText`. Writing sanitised data cannot leak
 *   anything; reading the clipboard (`clipboard-read`) stays denied because it could.
 * - everything else is denied, including `notifications` (the shell shows notifications
 *   with Electron's Notification API in main, so the page never needs the web permission),
 *   `speaker-selection` (the `selectAudioOutput` prompt: Cairn's own device picker chooses the
 *   speaker from `enumerateDevices`),
 *   `fullscreen` and `openExternal` (links go through the shell's URL check instead).
 * Source: issue 13 ("camera/microphone/display-capture permissions granted only for an active
 * call"); seed 002 asks that the client, not the server, decides about media.
 */
import { APP_ORIGIN, isAppUrl } from './appOrigin';
import type { CallActivity } from './callActivity';
import { inCall } from './callActivity';

export interface PermissionQuery {
  readonly permission: string;
  /** The URL (request handler) or origin (check handler) of the asking frame. */
  readonly requestingUrl: string;
  readonly isMainFrame: boolean;
  /** `media` only: which devices are asked for ('audio', 'video', maybe 'unknown'). */
  readonly mediaTypes: readonly string[];
  /** Set by the shell from the core's `call.activity`. */
  readonly call: CallActivity;
}

export type PermissionDecision = Readonly<{ granted: boolean; reason: string }>;

const CALL_MEDIA_TYPES: ReadonlySet<string> = new Set(['audio', 'video']);

export function decidePermission(query: PermissionQuery): PermissionDecision {
  if (!isOwnOrigin(query.requestingUrl)) return deny('request from another origin');
  if (!query.isMainFrame) return deny('request from a sub-frame');
  switch (query.permission) {
    case 'media': {
      if (!query.call.active) return deny('camera and microphone are only available during a call');
      if (query.mediaTypes.length === 0) return deny('media request names no device');
      if (!query.mediaTypes.every((type) => CALL_MEDIA_TYPES.has(type))) return deny('only camera and microphone');
      return { granted: true, reason: 'camera/microphone during a call' };
    }
    case 'display-capture':
      if (!inCall(query.call)) return deny('screen sharing is only available in a call this device is in');
      return { granted: true, reason: 'screen sharing during a call, source chosen in the shell' };
    case 'clipboard-sanitized-write':
      return { granted: true, reason: 'copying text to the clipboard' };
    default:
      return deny(`permission "${query.permission}" is never granted`);
  }
}

/** Request handlers pass a URL, check handlers an origin; both must be exactly ours. */
export function isOwnOrigin(urlOrOrigin: string): boolean {
  return urlOrOrigin === APP_ORIGIN || isAppUrl(urlOrOrigin);
}

function deny(reason: string): PermissionDecision {
  return { granted: false, reason };
}
