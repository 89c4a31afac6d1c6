import https from 'node:https';
import { API_VERSION } from '../../../protocol/version';
import type { ServerConfig, ServerProbe } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import { PinnedAgent } from './pinnedAgent';

const MAX_BODY = 64 * 1024;

/**
 * Checks that a server is reachable over pinned TLS and speaks our API version.
 * Sends no credentials: it is safe to run before the user has signed in.
 */
export async function probeServer(config: ServerConfig, timeoutMs = 10_000): Promise<ServerProbe> {
  const agent = new PinnedAgent({ pins: config.pins, keepAlive: false, connectTimeoutMs: timeoutMs });
  const started = performance.now();
  try {
    const body = await getJson(new URL('/version', config.url), agent, timeoutMs);
    const latencyMs = Math.round(performance.now() - started);
    if (typeof body !== 'object' || body === null) throw new CoreError('server-bad-response');
    const { apiVersion, domain } = body as Record<string, unknown>;
    if (typeof apiVersion !== 'number' || typeof domain !== 'string') throw new CoreError('server-bad-response');
    if (apiVersion !== API_VERSION) throw new CoreError('server-incompatible');
    return { domain, apiVersion, latencyMs };
  } finally {
    agent.destroy();
  }
}

function getJson(url: URL, agent: https.Agent, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { agent, timeout: timeoutMs, headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          request.destroy();
          reject(new CoreError('server-bad-response'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new CoreError('server-bad-response', `The server answered with status ${response.statusCode ?? 'unknown'}.`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new CoreError('server-bad-response'));
        }
      });
      response.on('error', () => reject(new CoreError('network-unreachable')));
    });
    request.on('timeout', () => request.destroy(new CoreError('network-unreachable')));
    request.on('error', (error) => reject(error instanceof CoreError ? error : new CoreError('network-unreachable')));
  });
}
