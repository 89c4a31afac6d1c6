/**
 * Which web permissions the renderer gets. The answer is almost always no:
 * - `media` (camera and microphone only) while a call is active, for our own top frame.
 *   Outside a call a compromised or buggy page cannot switch the camera on.
 * - `clipboard-sanitized-write`, for our own top frame: "copy message" and "copy
 *   fingerprint" use `navigator.clipboard.writeText`. Writing sanitised data cannot leak
 *   anything; reading the clipboard (`clipboard-read`) stays denied because it could.
 * - everything else is denied, including `notifications` (the shell shows notifications
 *   with Electron's Notification API in main, so the page never needs the web permission),
 *   `display-capture` (screen sharing will get its own picker), `fullscreen` and `openExternal`
 *   (links go through the shell's URL check instead).
 */
import { APP_ORIGIN, isAppUrl } from './appOrigin';

export interface PermissionQuery {
  readonly permission: string;
  /** The URL (request handler) or origin (check handler) of the asking frame. */
  readonly requestingUrl: string;
  readonly isMainFrame: boolean;
  /** `media` only: which devices are asked for ('audio', 'video', maybe 'unknown'). */
  readonly mediaTypes: readonly string[];
  /** Set by the shell from the core's call state. */
  readonly callActive: boolean;
}

export type PermissionDecision = Readonly<{ granted: boolean; reason: string }>;

const CALL_MEDIA_TYPES: ReadonlySet<string> = new Set(['audio', 'video']);

export function decidePermission(query: PermissionQuery): PermissionDecision {
  if (!isOwnOrigin(query.requestingUrl)) return deny('request from another origin');
  if (!query.isMainFrame) return deny('request from a sub-frame');
  switch (query.permission) {
    case 'media': {
      if (!query.callActive) return deny('camera and microphone are only available during a call');
      if (query.mediaTypes.length === 0) return deny('media request names no device');
      if (!query.mediaTypes.every((type) => CALL_MEDIA_TYPES.has(type))) return deny('only camera and microphone');
      return { granted: true, reason: 'camera/microphone during an active call' };
    }
    case 'clipboard-sanitized-write':
      return { granted: true, reason: 'copying text to the clipboard' };
    default:
      return deny(`permission "${query.permission}" is never granted`);
  }
}

/** Request handlers pass a URL, check handlers an origin; both must be exactly ours. */
function isOwnOrigin(urlOrOrigin: string): boolean {
  return urlOrOrigin === APP_ORIGIN || isAppUrl(urlOrOrigin);
}

function deny(reason: string): PermissionDecision {
  return { granted: false, reason };
}
