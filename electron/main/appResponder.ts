/**
 * Builds the Response for one app:// request: the guarded file with its MIME type, or an
 * empty error. Every response, errors included, carries the CSP and hardening headers. Uses
 * only the Fetch API's Response (in Node and Electron alike), so it is tested without Electron.
 */
import { readFile } from 'node:fs/promises';
import { resolveAppAsset } from './appAssetPath';
import { rendererSecurityHeaders } from './contentSecurityPolicy';

export async function respondToAppRequest(method: string, url: string, rendererDir: string): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') return emptyResponse(405);
  const asset = resolveAppAsset(url, rendererDir);
  if (asset.kind === 'refused') return emptyResponse(asset.status);
  let body: Buffer;
  try {
    body = await readFile(asset.filePath);
  } catch {
    return emptyResponse(404);
  }
  return new Response(method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: { ...rendererSecurityHeaders(), 'Content-Type': asset.mimeType, 'Content-Length': String(body.length) },
  });
}

function emptyResponse(status: number): Response {
  return new Response(null, { status, headers: rendererSecurityHeaders() });
}
