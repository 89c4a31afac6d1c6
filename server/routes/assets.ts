import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import type { Retention } from '../../protocol';
import { ASSET_TOKEN_HEADER, ROUTES } from '../../protocol';
import { assetPath } from '../assets/files';
import type { ServerContext } from '../context';
import { memberOf } from '../conversations/view';
import { defineRoute } from '../http/defineRoute';
import { done, fail } from '../http/outcome';

const DAY = 24 * 3600 * 1000;
/** How long assets are kept: `volatile` 4 weeks (like notifications), `expiring` a year, others forever. */
const RETENTION_MS: Readonly<Record<Retention, number | null>> = { eternal: null, persistent: null, volatile: 28 * DAY, expiring: 365 * DAY };

class TooLarge extends Error {}

function sizeLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) callback(new TooLarge());
      else callback(null, chunk);
    },
  });
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Encrypted blobs. The server never sees keys: assets are end-to-end encrypted by the sender
 * (seed 002), except profile pictures, which are public. A private asset is readable by its
 * uploader and by members of any conversation it was shared in; to anyone else it does not exist.
 */
export function registerAssetRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, settings } = context;

  const canRead = async (key: string, userId: string): Promise<boolean> => {
    const asset = await store.assets.get(key);
    if (!asset) return false;
    return asset.public || asset.owner === userId || (await store.conversations.sharesAssetWith(key, userId));
  };

  defineRoute(app, context, ROUTES.uploadAsset, async ({ auth, query, request }) => {
    if (!(request.headers['content-type'] ?? '').startsWith('application/octet-stream')) return fail('unsupported-media-type');
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (declared > settings.maxAssetBytes) return fail('asset-too-large');
    if (query.conversation !== undefined) {
      const conversation = await store.conversations.get(query.conversation);
      if (!conversation || !memberOf(conversation, auth.userId)) return fail('conversation-not-found');
    }
    const key = randomBytes(16).toString('hex');
    const temporary = path.join(settings.dataDir, 'assets', 'incoming', `${key}.part`);
    await mkdir(path.dirname(temporary), { recursive: true });
    try {
      await pipeline(request.raw, sizeLimit(settings.maxAssetBytes), createWriteStream(temporary, { flags: 'wx' }));
    } catch (error) {
      await rm(temporary, { force: true });
      if (error instanceof TooLarge) return fail('asset-too-large');
      return fail('bad-request', 'The upload was interrupted.');
    }
    const final = assetPath(settings.dataDir, key);
    await mkdir(path.dirname(final), { recursive: true });
    await rename(temporary, final);
    const token = randomBytes(24).toString('base64url');
    const now = context.now();
    const lifetime = RETENTION_MS[query.retention];
    const { size } = await stat(final);
    await store.assets.create(
      { key, owner: auth.userId, public: query.public, retention: query.retention, size, tokenHash: tokenHash(token), createdAt: now, expiresAt: lifetime === null ? null : now + lifetime },
      query.conversation,
    );
    return done({ key, token, expires: lifetime === null ? null : new Date(now + lifetime).toISOString(), size });
  });

  defineRoute(app, context, ROUTES.downloadAsset, async ({ auth, params, request, reply }) => {
    const asset = await store.assets.get(params.key);
    if (!asset || !(await canRead(asset.key, auth.userId))) return fail('asset-not-found');
    if (asset.expiresAt !== null && asset.expiresAt <= context.now()) return fail('asset-not-found');
    const range = parseRange(request.headers.range, asset.size);
    reply
      .type('application/octet-stream')
      .header('accept-ranges', 'bytes')
      .header('cache-control', asset.public ? 'public, max-age=31536000, immutable' : 'private, no-store');
    if (range === 'unsatisfiable') {
      reply.code(416).header('content-range', `bytes */${asset.size}`).send();
      return done(undefined);
    }
    const { start, end } = range ?? { start: 0, end: asset.size - 1 };
    if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${asset.size}`);
    else reply.code(200);
    reply.header('content-length', String(Math.max(0, end - start + 1)));
    reply.send(asset.size === 0 ? '' : createReadStream(assetPath(settings.dataDir, asset.key), { start, end }));
    return done(undefined);
  });

  defineRoute(app, context, ROUTES.shareAsset, async ({ auth, params, body }) => {
    if (!(await canRead(params.key, auth.userId))) return fail('asset-not-found');
    const conversation = await store.conversations.get(body.conversation);
    if (!conversation || !memberOf(conversation, auth.userId)) return fail('conversation-not-found');
    await store.assets.share(params.key, conversation.id);
    return done({});
  });

  defineRoute(app, context, ROUTES.deleteAsset, async ({ auth, params, request }) => {
    const asset = await store.assets.get(params.key);
    const presented = request.headers[ASSET_TOKEN_HEADER];
    const tokenMatches = typeof presented === 'string' && asset !== undefined && tokenHash(presented) === asset.tokenHash;
    if (!asset || (asset.owner !== auth.userId && !tokenMatches)) return fail('asset-not-found');
    await store.assets.delete(asset.key);
    await rm(assetPath(settings.dataDir, asset.key), { force: true });
    return done({});
  });
}

/**
 * One `bytes=start-end` range (or `start-`, or `-suffix`), so an interrupted download of a large
 * asset can resume. Multiple ranges are answered with the whole asset, as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1] ?? '', match[2] ?? ''];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
