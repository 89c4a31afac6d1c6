/**
 * HTTP exchanges with a Janus SFU's REST API. An https URL goes through the pinned agent (the
 * SFU's key pins come with its entry in `/calls/config`), so a Janus whose key does not match
 * never sees a request byte; plain http is accepted only when the host is loopback, where no
 * one else is on the path (the server's own Janus in development and tests).
 */
import http from 'node:http';
import { isIP } from 'node:net';
import type { Result } from '../../../protocol/result';
import { err, ok } from '../../../protocol/result';
import { CoreError } from '../ipc/errors';
import { sendRequest } from './httpRequest';
import { PinnedAgent } from './pinnedAgent';

/** Janus answers are small JSON; SDPs of a few dozen streams stay far below this. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export type JanusExchange = (method: 'GET' | 'POST', url: URL, body: unknown, timeoutMs: number) => Promise<Result<unknown>>;

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Builds the exchange for one SFU base URL, or refuses the URL: https needs at least one pin,
 * http needs a loopback host. Answers are parsed as JSON; failures are `sfu-unreachable`,
 * `tls-pin-mismatch` or `sfu-bad-response` values, never exceptions.
 */
export function janusExchange(baseUrl: string, pins: readonly string[]): Result<Readonly<{ base: URL; exchange: JanusExchange; close(): void }>> {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return err('sfu-bad-url', `The SFU address "${baseUrl}" is not a URL.`);
  }
  if (base.protocol === 'https:') {
    if (pins.length === 0) return err('sfu-bad-url', 'The SFU is reached over https but no key pin was given for it, so its identity cannot be checked.');
    const agent = new PinnedAgent({ pins, keepAlive: true });
    const exchange: JanusExchange = async (method, url, body, timeoutMs) => {
      try {
        const response = await sendRequest(agent, {
          method,
          url,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
          timeoutMs,
          maxResponseBytes: MAX_ANSWER_BYTES,
        });
        return parseAnswer(response.status, response.body);
      } catch (error) {
        if (error instanceof CoreError && error.code === 'tls-pin-mismatch') return err('tls-pin-mismatch', "The SFU's certificate does not match its pinned key. Nothing was sent.");
        return err('sfu-unreachable', 'The conference server (SFU) could not be reached.');
      }
    };
    return ok({ base, exchange, close: () => agent.destroy() });
  }
  if (base.protocol === 'http:') {
    if (!isLoopbackHost(base.hostname)) return err('sfu-bad-url', `The SFU address "${baseUrl}" is plain http to another machine; only https with a pinned key is accepted there.`);
    const agent = new http.Agent({ keepAlive: true });
    const exchange: JanusExchange = (method, url, body, timeoutMs) => plainExchange(agent, method, url, body, timeoutMs);
    return ok({ base, exchange, close: () => agent.destroy() });
  }
  return err('sfu-bad-url', `The SFU address "${baseUrl}" is neither https nor loopback http.`);
}

function plainExchange(agent: http.Agent, method: 'GET' | 'POST', url: URL, body: unknown, timeoutMs: number): Promise<Result<unknown>> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const request = http.request(
      url,
      { agent, method, timeout: timeoutMs, headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {} },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            request.destroy();
            resolve(err('sfu-bad-response', 'The conference server (SFU) sent a larger answer than expected.'));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve(parseAnswer(response.statusCode ?? 0, Buffer.concat(chunks))));
        response.on('error', () => resolve(err('sfu-unreachable', 'The conference server (SFU) could not be reached.')));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(err('sfu-unreachable', 'The conference server (SFU) could not be reached.')));
    request.end(payload);
  });
}

function parseAnswer(status: number, body: Buffer): Result<unknown> {
  if (status !== 200) return err('sfu-bad-response', `The conference server (SFU) answered HTTP ${status}.`);
  try {
    return ok(JSON.parse(body.toString('utf8')) as unknown);
  } catch {
    return err('sfu-bad-response', 'The conference server (SFU) sent an answer that is not JSON.');
  }
}
