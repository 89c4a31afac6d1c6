/**
 * The renderer has no network of its own (ARCHITECTURE.md): all backend traffic goes through
 * the core's pinned TLS, and WebRTC media is not an HTTP request. The CSP already refuses
 * remote origins; this is the second lock, applied by the session to every web request.
 *
 * Requests without a page behind them are cancelled too: in the app's session nothing needs
 * the network. Chromium would fetch spell-check dictionaries from Google's CDN that way
 * (issue 11, item 12; shellBuild.ts turns spell-checking to the OS checker or off), and
 * anything else Chromium might fetch on its own would leak that Cairn runs here. The updater
 * (electron-updater) uses a session of its own (partition `electron-updater`), which this lock
 * does not cover and which talks only to the release host.
 */
export type RequestDecision = Readonly<{ cancel: boolean; reason: string }>;

const NETWORK_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);

/** URL patterns the session filter listens on: everything that could leave the machine. */
export const NETWORK_REQUEST_FILTER: readonly string[] = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'];

export function decideSessionRequest(url: string, fromPage: boolean): RequestDecision {
  const who = fromPage ? 'pages' : 'the app session';
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    return { cancel: true, reason: 'unparseable URL' };
  }
  if (NETWORK_SCHEMES.has(scheme)) return { cancel: true, reason: `${who} may not use ${scheme} (the core does the networking)` };
  return { cancel: false, reason: 'local resource' };
}
