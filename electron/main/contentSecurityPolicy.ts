/**
 * The Content-Security-Policy and hardening headers every renderer response carries. The
 * Electron `app://` handler and the test host (http://127.0.0.1) both use these builders, so
 * the e2e tests run the renderer under the very policy users get: `'self'` means "the origin
 * the page came from" in both places.
 */

export type CspDirectives = Readonly<Record<string, readonly string[]>>;

/**
 * One line per directive, each as tight as the renderer allows:
 * - no `unsafe-eval`, no `unsafe-inline` anywhere, no remote origin: the renderer has no
 *   network of its own (ARCHITECTURE.md) — all backend traffic goes through the core.
 * - `blob:`/`data:` images: decrypted attachments and avatars are shown from object URLs.
 * - `mediastream:`/`blob:` media: WebRTC tracks and decrypted voice messages.
 * - `'self'` workers only: the frame-encryption worker (renderer/calls/frameWorker.ts) is its own
 *   file in the build, so no `blob:` (a blob worker would run code the page assembled itself).
 */
export const RENDERER_CSP_DIRECTIVES: CspDirectives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'blob:', 'data:'],
  'media-src': ["'self'", 'blob:', 'mediastream:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'frame-src': ["'none'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Serialises directives in a stable order: `name source source; name source`. */
export function buildContentSecurityPolicy(directives: CspDirectives = RENDERER_CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join('; ');
}

/**
 * Headers for every renderer response. `nosniff` makes the MIME type we chose binding;
 * COOP/CORP keep other origins from holding a reference to the window or embedding assets;
 * the Permissions-Policy limits powerful features to our own origin on top of the shell's
 * permission handler.
 */
export function rendererSecurityHeaders(): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy': buildContentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy':
      'camera=(self), microphone=(self), display-capture=(self), geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), payment=(), midi=()',
    'Cache-Control': 'no-cache',
  };
}
