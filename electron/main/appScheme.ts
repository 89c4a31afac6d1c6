/**
 * Serves the built renderer on `app://cairn/`. A privileged standard+secure scheme gives the
 * page a real origin (so `'self'` in the CSP, fetch and workers behave as on the web) without
 * the extra powers `file://` pages get. Every decision is in appAssetPath.ts and
 * contentSecurityPolicy.ts; this file only reads the file and builds the Response.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { resolveAppAsset } from './appAssetPath';
import { APP_SCHEME } from './appOrigin';
import { rendererSecurityHeaders } from './contentSecurityPolicy';

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
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return emptyResponse(405);
    const asset = resolveAppAsset(request.url, rendererDir);
    if (asset.kind === 'refused') return emptyResponse(asset.status);
    let body: Buffer;
    try {
      body = await readFile(asset.filePath);
    } catch {
      return emptyResponse(404);
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: { ...rendererSecurityHeaders(), 'Content-Type': asset.mimeType },
    });
  });
}

function emptyResponse(status: number): Response {
  return new Response(null, { status, headers: rendererSecurityHeaders() });
}
