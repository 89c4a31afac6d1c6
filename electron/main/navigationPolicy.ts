/**
 * What the window does when its page tries to go somewhere: stay inside the app, hand a web
 * link to the OS browser, or do nothing. The glue calls this for `will-navigate`,
 * `will-redirect` and `window.open`; it never lets the window itself leave `app://cairn`.
 */
import { isAppUrl } from './appOrigin';
import { checkExternalUrl } from './externalUrl';

export type NavigationDecision =
  | Readonly<{ action: 'allow' }>
  | Readonly<{ action: 'open-external'; url: string }>
  | Readonly<{ action: 'deny'; reason: string }>;

/** For a navigation of the window itself (`will-navigate`, `will-redirect`). */
export function decideNavigation(url: string): NavigationDecision {
  if (isAppUrl(url)) return { action: 'allow' };
  return externalOrDeny(url);
}

/** For `window.open` and `target=_blank`: never a new window, at most the OS browser. */
export function decideWindowOpen(url: string): NavigationDecision {
  return externalOrDeny(url);
}

/**
 * Only the window's top frame showing our own origin may receive the core's MessagePort:
 * whoever holds the port can send every request the UI can.
 */
export function mayReceiveCorePort(frameUrl: string, isTopFrame: boolean): boolean {
  return isTopFrame && isAppUrl(frameUrl);
}

function externalOrDeny(url: string): NavigationDecision {
  const check = checkExternalUrl(url);
  return check.ok ? { action: 'open-external', url: check.url } : { action: 'deny', reason: check.reason };
}
