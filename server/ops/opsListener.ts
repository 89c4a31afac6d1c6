import http from 'node:http';
import type { ServerMetrics } from './metrics';

/** Where the operator's listener is: loopback unless the operator names a private interface. */
export type OpsListenOptions = Readonly<{ host?: string; port: number }>;

export type OpsListener = Readonly<{ url: string; close(): Promise<void> }>;

/**
 * The operator's listener: `GET /metrics` (Prometheus text format) and `GET /health` (details as
 * JSON), over plain HTTP on 127.0.0.1 by default, apart from the public HTTPS port. Metrics tell
 * how many people are online and when they sign in, which is not for the public, so they are not
 * on the public port at all rather than behind a token: nothing to leak in a scrape config, and
 * no way to expose them by a mistake in the public port's set-up. Prometheus scrapes plain HTTP
 * (a local agent, an SSH tunnel or the operator's private network carries it further).
 */
export async function startOpsListener(
  options: OpsListenOptions,
  metrics: ServerMetrics,
  health: () => Promise<Readonly<Record<string, unknown>> & Readonly<{ ok: boolean }>>,
): Promise<OpsListener> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || (path !== '/metrics' && path !== '/health')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const answer = path === '/metrics'
      ? metrics.text().then((text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
      : health().then((report) => response.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report)));
    answer.catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
