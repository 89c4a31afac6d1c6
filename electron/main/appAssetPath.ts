/**
 * Maps an `app://cairn/…` request to a file inside the built renderer folder, or refuses it.
 * Chromium already normalises most URLs before the handler sees them; this guard does not
 * rely on that. It checks the raw string, then the decoded path, then the resolved file, so a
 * traversal needs to beat three independent checks to escape the folder.
 */
import path from 'node:path';
import { APP_URL_PREFIX } from './appOrigin';
import { mimeTypeFor } from './mimeTypes';

export type AssetResolution =
  | Readonly<{ kind: 'file'; filePath: string; mimeType: string }>
  | Readonly<{ kind: 'refused'; status: 400 | 403 | 404; reason: string }>;

/** Longer URLs are not produced by Vite and are refused before any parsing. */
export const MAX_ASSET_URL_LENGTH = 2048;

/** The characters Vite puts in asset paths. Anything else (`%`, `\`, `:`, NUL…) is refused. */
const SAFE_PATH = /^[A-Za-z0-9._~@+\-/]+$/;

/**
 * Resolves a request URL against `rootDir` (the absolute `dist/renderer` folder). The query
 * string and fragment are ignored; `/` serves `index.html`. Dot-files and unknown file types
 * are refused; whether the file exists is for the caller to find out.
 */
export function resolveAppAsset(requestUrl: string, rootDir: string): AssetResolution {
  if (requestUrl.length > MAX_ASSET_URL_LENGTH) return refused(400, 'URL too long');
  if (!requestUrl.startsWith(APP_URL_PREFIX)) return refused(403, 'not an app://cairn/ URL');
  const rawPath = requestUrl.slice(APP_URL_PREFIX.length).split(/[?#]/, 1)[0] ?? '';
  if (/[\\\0]|%5c|%00/i.test(rawPath)) return refused(400, 'backslash or NUL in path');

  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return refused(400, 'malformed percent-encoding');
  }
  const relative = decoded === '' ? 'index.html' : decoded;
  if (!SAFE_PATH.test(relative)) return refused(400, 'unexpected character in path');

  const segments = relative.split('/');
  for (const segment of segments) {
    if (segment === '') return refused(400, 'empty path segment (absolute or doubled slash)');
    if (segment.startsWith('.')) return refused(403, 'dot segment or hidden file');
  }

  const root = path.resolve(rootDir);
  const filePath = path.resolve(root, ...segments);
  if (!filePath.startsWith(`${root}${path.sep}`)) return refused(403, 'path escapes the renderer folder');

  const mimeType = mimeTypeFor(segments[segments.length - 1] ?? '');
  if (mimeType === undefined) return refused(404, 'file type not served');
  return { kind: 'file', filePath, mimeType };
}

function refused(status: 400 | 403 | 404, reason: string): AssetResolution {
  return { kind: 'refused', status, reason };
}
