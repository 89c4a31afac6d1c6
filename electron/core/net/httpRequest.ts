import https from 'node:https';
import { CoreError } from '../ipc/errors';

export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/**
 * One HTTPS exchange through the given (pinned) agent. Network failures become
 * `network-unreachable`; a pin mismatch keeps its own code; oversized answers are cut off.
 */
export function sendRequest(agent: https.Agent, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = https.request(
      request.url,
      {
        agent,
        method: request.method,
        headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
        timeout: request.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > request.maxResponseBytes) {
            outgoing.destroy(new CoreError('server-bad-response', 'The server sent a larger answer than expected.'));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on('error', (error) => reject(asCoreError(error)));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new CoreError('network-unreachable')));
    outgoing.on('error', (error) => reject(asCoreError(error)));
    outgoing.end(request.body);
  });
}

function asCoreError(error: unknown): CoreError {
  return error instanceof CoreError ? error : new CoreError('network-unreachable');
}
