import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface RendererServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the built renderer on 127.0.0.1 with the given response headers (the shell's CSP),
 * so tests see the same policy Electron enforces on app://. Only GET of files inside `root`.
 */
export async function serveRenderer(root: string, headers: Readonly<Record<string, string>>): Promise<RendererServer> {
  const base = path.resolve(root);
  const server = http.createServer((request, response) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      const file = path.resolve(base, `.${pathname === '/' ? '/index.html' : pathname}`);
      if (request.method !== 'GET' || !file.startsWith(`${base}${path.sep}`)) {
        response.writeHead(404).end();
        return;
      }
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        ...headers,
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
      });
      createReadStream(file).pipe(response);
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('renderer server has no TCP address');
  const { port } = address;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
