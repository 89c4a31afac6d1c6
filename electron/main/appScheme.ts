/**
 * Serves the built renderer on `app://cairn/`. A privileged standard+secure scheme gives the
 * page a real origin (so `'self'` in the CSP, fetch and workers behave as on the web) without
 * the extra powers `file://` pages get. The decisions live in appResponder.ts and below it.
 */
import { protocol } from 'electron';
import { APP_SCHEME } from './appOrigin';
import { respondToAppRequest } from './appResponder';

/** Must run before `app` is ready. `stream` lets <audio>/<video> play bundled sounds. */
export function registerAppSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true, stream: true },
    },
  ]);
}

/** Installs the handler on the default session; `rendererDir` is the absolute dist/renderer. */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => respondToAppRequest(request.method, request.url, rendererDir));
}
