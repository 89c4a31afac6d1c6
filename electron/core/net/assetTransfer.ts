/**
 * Streaming upload and download of encrypted asset bytes over the pinned connection. The JSON
 * client (apiClient.ts) caps answers at 8 MiB; files go straight between disk and socket here.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AssetSchema } from '../../../protocol/api/assets';
import { ApiErrorBodySchema } from '../../../protocol/errors';
import { CoreError } from '../ipc/errors';
import type { ApiClient } from './apiClient';
import { ApiError } from './apiError';

/** A download that lost its connection keeps what arrived (`.partial`): the next call resumes it. */
const INTERRUPTED = 'The download was interrupted. It will continue from where it stopped.';

export type TransferProgress = (done: number, total: number | undefined) => void;

export interface UploadedAsset {
  readonly key: string;
  readonly token: string;
}

/** Uploads `file` (already encrypted) and shares it with `conversationId`. */
export async function uploadAsset(
  api: ApiClient,
  file: string,
  size: number,
  conversationId: string,
  onProgress?: TransferProgress,
): Promise<UploadedAsset> {
  const url = new URL('/assets', api.baseUrl);
  url.searchParams.set('conversation', conversationId);
  url.searchParams.set('retention', 'persistent');
  for (let attempt = 1; attempt <= 2; attempt++) {
    const token = await api.accessToken();
    const answer = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const request = https.request(url, {
        method: 'POST',
        agent: api.agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.on('error', () => reject(new CoreError('network-unreachable')));
      });
      request.on('error', (error) => reject(error instanceof CoreError ? error : new CoreError('network-unreachable')));
      let sent = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sent += chunk.length;
          onProgress?.(sent, size);
          done(null, chunk);
        },
      });
      pipeline(createReadStream(file), count, request).catch((error: unknown) =>
        reject(error instanceof CoreError ? error : new CoreError('network-unreachable')),
      );
    });
    if (answer.status === 401 && attempt === 1) {
      api.session.dropToken();
      continue;
    }
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = AssetSchema.safeParse(parseJson(answer.body));
      if (!parsed.success) throw new CoreError('server-bad-response');
      return { key: parsed.data.key, token: parsed.data.token };
    }
    throw errorFrom(answer.status, answer.body);
  }
  throw new CoreError('unauthorized');
}

export interface DownloadOptions {
  readonly onProgress?: TransferProgress;
  /** Refuses (`asset-too-large`) an asset whose ciphertext is larger than this, before fetching it all. */
  readonly maxBytes?: number;
  /** How many times a connection that dropped mid-way is resumed within this call (default 3). */
  readonly attempts?: number;
  /** Gives up on a connection that sends nothing for this long (default 30 s). */
  readonly idleTimeoutMs?: number;
}

export interface DownloadResult {
  /** Size of the complete ciphertext in `partialFile`. */
  readonly bytes: number;
  /** Bytes this call received from the server (less than `bytes` when it resumed). */
  readonly fetched: number;
  /** Bytes already on disk when this call started. */
  readonly resumedFrom: number;
}

const RESUME_DELAY_MS = 250;

/**
 * Downloads the encrypted bytes of `key` into `partialFile`, resuming from the bytes it already
 * holds with an HTTP range request: a dropped connection (or a killed app, on the next call)
 * costs only the bytes not fetched yet. On failure the file keeps what arrived, for the next
 * try. The caller checks the hash over the whole ciphertext before using it (seed 002).
 */
export async function downloadAsset(api: ApiClient, key: string, partialFile: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const url = new URL(`/assets/${encodeURIComponent(key)}`, api.baseUrl);
  const attempts = options.attempts ?? 3;
  const resumedFrom = await sizeOf(partialFile);
  let fetched = 0;
  let refreshedToken = false;
  let failures = 0;
  for (;;) {
    const offset = await sizeOf(partialFile);
    const token = await api.accessToken();
    let response: IncomingMessage;
    try {
      response = await get(api, url, token, offset, options.idleTimeoutMs ?? 30_000);
    } catch (error) {
      if (error instanceof CoreError && error.code !== 'network-unreachable') throw error;
      if (++failures >= attempts) throw new CoreError('network-unreachable');
      await delay(RESUME_DELAY_MS * failures);
      continue;
    }
    const status = response.statusCode ?? 0;
    if (status === 401 && !refreshedToken) {
      response.resume();
      refreshedToken = true;
      api.session.dropToken();
      continue;
    }
    if (status === 416 && offset > 0) {
      // The partial file is as long as the asset (complete) or longer (another asset's bytes).
      response.resume();
      const total = totalFromContentRange(response.headers['content-range']);
      if (total === offset) return { bytes: offset, fetched, resumedFrom };
      await rm(partialFile, { force: true });
      continue;
    }
    let start: number;
    let total: number | undefined;
    if (status === 206) {
      const range = parseContentRange(response.headers['content-range']);
      if (!range || range.start !== offset) {
        response.resume();
        await rm(partialFile, { force: true });
        continue;
      }
      start = offset;
      total = range.total;
    } else if (status === 200) {
      start = 0;
      const length = Number(response.headers['content-length'] ?? Number.NaN);
      total = Number.isFinite(length) ? length : undefined;
    } else {
      throw errorFrom(status, await readAll(response));
    }
    if (options.maxBytes !== undefined && total !== undefined && total > options.maxBytes) {
      response.destroy();
      throw new CoreError('asset-too-large');
    }
    let received = start;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        fetched += chunk.length;
        if (options.maxBytes !== undefined && received > options.maxBytes) {
          done(new CoreError('asset-too-large'));
          return;
        }
        options.onProgress?.(received, total);
        done(null, chunk);
      },
    });
    try {
      // Appending from the resume point; a full answer (200) starts the file again.
      await pipeline(response, count, createWriteStream(partialFile, { flags: start === 0 ? 'w' : 'a' }));
    } catch (error) {
      if (error instanceof CoreError) throw error;
      if (++failures >= attempts) throw new CoreError('network-unreachable', INTERRUPTED);
      await delay(RESUME_DELAY_MS * failures);
      continue;
    }
    const bytes = await sizeOf(partialFile);
    if (total !== undefined && bytes !== total) {
      if (++failures >= attempts) throw new CoreError('network-unreachable', INTERRUPTED);
      continue;
    }
    return { bytes, fetched, resumedFrom };
  }
}

function get(api: ApiClient, url: URL, token: string, offset: number, idleTimeoutMs: number): Promise<IncomingMessage> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = https.get(url, { agent: api.agent, headers }, resolve);
    request.setTimeout(idleTimeoutMs, () => request.destroy(new Error('the server sent nothing for too long')));
    request.on('error', (error) => reject(error instanceof CoreError ? error : new CoreError('network-unreachable')));
  });
}

/** `bytes START-END/TOTAL` of a 206 answer. */
export function parseContentRange(header: string | undefined): { start: number; end: number; total: number } | undefined {
  const match = header === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (!match) return undefined;
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return end >= start && total > end ? { start, end, total } : undefined;
}

/** `bytes *\/TOTAL` of a 416 answer. */
function totalFromContentRange(header: string | undefined): number | undefined {
  const match = header === undefined ? null : /^bytes \*\/(\d+)$/.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function readAll(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorFrom(status: number, body: Buffer): ApiError {
  const parsed = ApiErrorBodySchema.safeParse(parseJson(body));
  return parsed.success
    ? new ApiError(parsed.data.code, parsed.data.message, status)
    : new ApiError('server-bad-response', `The server answered with status ${status}.`, status);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
