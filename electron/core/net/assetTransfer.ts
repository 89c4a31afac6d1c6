/**
 * Streaming upload and download of encrypted asset bytes over the pinned connection. The JSON
 * client (apiClient.ts) caps answers at 8 MiB; files go straight between disk and socket here.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AssetSchema } from '../../../protocol/api/assets';
import { ApiErrorBodySchema } from '../../../protocol/errors';
import { CoreError } from '../ipc/errors';
import type { ApiClient } from './apiClient';
import { ApiError } from './apiError';

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

/** Downloads the encrypted bytes of `key` into `outFile` (via a `.partial` file). */
export async function downloadAsset(api: ApiClient, key: string, outFile: string, onProgress?: TransferProgress): Promise<void> {
  const url = new URL(`/assets/${encodeURIComponent(key)}`, api.baseUrl);
  const partial = `${outFile}.partial`;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const token = await api.accessToken();
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = https.get(url, { agent: api.agent, headers: { authorization: `Bearer ${token}` } }, resolve);
      request.on('error', (error) => reject(error instanceof CoreError ? error : new CoreError('network-unreachable')));
    });
    const status = response.statusCode ?? 0;
    if (status === 401 && attempt === 1) {
      response.resume();
      api.session.dropToken();
      continue;
    }
    if (status !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      throw errorFrom(status, Buffer.concat(chunks));
    }
    const total = Number(response.headers['content-length'] ?? NaN);
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        onProgress?.(received, Number.isFinite(total) ? total : undefined);
        done(null, chunk);
      },
    });
    try {
      await pipeline(response, count, createWriteStream(partial));
      await rename(partial, outFile);
    } catch {
      await rm(partial, { force: true });
      throw new CoreError('network-unreachable');
    }
    return;
  }
  throw new CoreError('unauthorized');
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
