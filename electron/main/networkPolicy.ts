/**
 * The renderer has no network of its own (ARCHITECTURE.md): all backend traffic goes through
 * the core's pinned TLS, and WebRTC media is not an HTTP request. The CSP already refuses
 * remote origins; this is the second lock, applied by the session to every web request.
 * Requests without a page behind them (spell-check dictionary downloads, the updater's own
 * session) are not the renderer's and pass.
 */
export type RequestDecision = Readonly<{ cancel: boolean; reason: string }>;

const NETWORK_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);

/** URL patterns the session filter listens on: everything that could leave the machine. */
export const NETWORK_REQUEST_FILTER: readonly string[] = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'];

export function decideRendererRequest(url: string, fromPage: boolean): RequestDecision {
  if (!fromPage) return { cancel: false, reason: 'not made by a page' };
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    return { cancel: true, reason: 'unparseable URL' };
  }
  if (NETWORK_SCHEMES.has(scheme)) return { cancel: true, reason: `pages may not use ${scheme} (the core does the networking)` };
  return { cancel: false, reason: 'local resource' };
}
