import https from 'node:https';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type ApiResponse = Readonly<{ status: number; body: unknown; headers: Record<string, string | string[] | undefined>; raw: Buffer }>;

export type RequestOptions = Readonly<{
  body?: unknown;
  rawBody?: Buffer | string;
  contentType?: string;
  token?: string;
  cookie?: string;
  headers?: Record<string, string>;
  /** Send the body with chunked transfer encoding, without Content-Length. */
  chunked?: boolean;
}>;

/** A small HTTPS client that trusts exactly the test server's self-signed certificate. */
export class Api {
  readonly agent: https.Agent;

  /** `localAddress` connects from another loopback address (127.0.0.2 …), as a second computer would. */
  constructor(
    readonly url: string,
    readonly ca: string,
    localAddress?: string,
  ) {
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 64, ...(localAddress ? { localAddress } : {}) });
  }

  /** The same server seen from another client address. */
  from(localAddress: string): Api {
    return new Api(this.url, this.ca, localAddress);
  }

  static async forServer(url: string, dataDir: string): Promise<Api> {
    return new Api(url, await readFile(path.join(dataDir, 'tls', 'cert.pem'), 'utf8'));
  }

  request(method: string, route: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let payload: Buffer | undefined;
    if (options.rawBody !== undefined) {
      payload = Buffer.from(options.rawBody);
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] = 'application/json';
    }
    if (payload && !options.chunked) headers['content-length'] = String(payload.length);
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookie) headers.cookie = options.cookie;
    return new Promise((resolve, reject) => {
      const request = https.request(new URL(route, this.url), { method, headers, agent: this.agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const raw = Buffer.concat(chunks);
          let body: unknown = undefined;
          if ((response.headers['content-type'] ?? '').includes('json') && raw.length > 0) body = JSON.parse(raw.toString('utf8'));
          resolve({ status: response.statusCode ?? 0, body, headers: response.headers, raw });
        });
        response.on('error', reject);
      });
      request.on('error', reject);
      if (payload && options.chunked) {
        for (let offset = 0; offset < payload.length; offset += 16 * 1024) request.write(payload.subarray(offset, offset + 16 * 1024));
        request.end();
      } else {
        request.end(payload);
      }
    });
  }

  get(route: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('GET', route, options);
  }

  post(route: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('POST', route, options);
  }

  put(route: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('PUT', route, options);
  }

  delete(route: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('DELETE', route, options);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads a string field of a JSON body, failing the test with the body when absent. */
export function field(response: ApiResponse, name: string): string {
  const body = response.body;
  if (typeof body === 'object' && body !== null && name in body) {
    const value: unknown = Reflect.get(body, name);
    if (typeof value === 'string') return value;
  }
  throw new Error(`response ${response.status} has no string "${name}": ${response.raw.toString('utf8').slice(0, 500)}`);
}

/** The `zuid=…` pair from a `Set-Cookie` header, ready for a `Cookie` header. */
export function userCookie(response: ApiResponse): string {
  const header = response.headers['set-cookie'];
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const found = values.find((value) => value.startsWith('zuid='));
  if (!found) throw new Error(`no zuid cookie in response ${response.status}`);
  return found.split(';')[0] ?? '';
}
