/**
 * The one origin the renderer is served from. Every navigation, permission and port
 * decision compares against these constants, so there is a single place that says what
 * "our app" means.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'cairn';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** Every URL of the app starts with exactly this prefix (no credentials, no port). */
export const APP_URL_PREFIX = `${APP_ORIGIN}/`;
export const APP_ENTRY_URL = `${APP_URL_PREFIX}index.html`;

/**
 * True when `url` is a page or asset of the app. The comparison is on the raw string on
 * purpose: `app://user@cairn/` or `app://cairn:1/` do not start with the prefix and are not ours.
 */
export function isAppUrl(url: string): boolean {
  return url.startsWith(APP_URL_PREFIX) || url === APP_ORIGIN;
}
