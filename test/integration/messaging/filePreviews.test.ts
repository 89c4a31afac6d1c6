/**
 * Image previews, the encrypted file cache and resumable downloads, with real cores talking
 * to the real server through a TCP relay that counts (and can cut) what the server sends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import { downloadAsset } from '../../../electron/core/net/assetTransfer';
import type { ObservedCore } from '../../support/cores';
import { eventsOf, registerThroughCore, startCores } from '../../support/cores';
import type { TcpProxy } from '../../support/tcpProxy';
import { startTcpProxy } from '../../support/tcpProxy';
import { addDevice } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('file-previews');
const cores: ObservedCore[] = [];
let proxy: TcpProxy;
let alice: ObservedCore;
let bob: ObservedCore;
let conversationId = '';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  proxy = await startTcpProxy(env.server.url);
  [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
  const viaProxy = { ...env.server, url: proxy.url };
  await registerThroughCore(alice, viaProxy, env.root, 'alice@example.test', 'Alice');
  const bobUser = await registerThroughCore(bob, viaProxy, env.root, 'bob@example.test', 'Bob');
  const created = await alice.core.router.request('conversations.create', { name: 'Photos', members: [{ id: bobUser.id, domain: bobUser.domain }] });
  if (!created.ok) throw new Error(created.error.message);
  conversationId = created.value.id;
});

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
  await proxy.close();
});

async function messages(o: ObservedCore): Promise<StoredMessage[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages : [];
}

/** Alice sends `bytes` as `name`; returns the asset id once Bob has the message. */
async function send(name: string, bytes: Buffer, transferId?: string): Promise<{ assetId: string; messageId: string }> {
  const file = path.join(env.root, 'outgoing', name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  const sent = await alice.core.router.request('files.send', { conversationId, grant: alice.core.grantFile('read', file), ...(transferId ? { transferId } : {}) });
  if (!sent.ok) throw new Error(sent.error.message);
  const assetId = sent.value.asset?.id ?? '';
  await expect.poll(async () => (await messages(bob)).some((m) => m.asset?.id === assetId), { timeout: 15_000 }).toBe(true);
  return { assetId, messageId: sent.value.id };
}

/** Bytes the server sent through the relay while `work` ran. */
async function served<T>(work: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  const before = proxy.downstreamBytes;
  const value = await work();
  return { value, bytes: proxy.downstreamBytes - before };
}

describe('image previews and the encrypted file cache', () => {
  it('shows a sent image to its sender from the local cache, without a download', async () => {
    const image = Buffer.concat([PNG_SIGNATURE, randomBytes(300 * 1024)]);
    const { assetId } = await send('summit.png', image, 'upload-summit');

    const preview = await served(() => alice.core.router.request('files.preview', { assetId }));
    expect(preview.value.ok).toBe(true);
    if (!preview.value.ok) return;
    expect(preview.value.value.mime).toBe('image/png');
    expect(sha(preview.value.value.bytes)).toBe(sha(image));
    expect(preview.bytes).toBeLessThan(2048);

    // Upload progress is tied to the transfer id the UI chose.
    const uploads = eventsOf(alice, 'file.progress').filter((e) => (e as { transferId?: string }).transferId === 'upload-summit');
    expect(uploads.length).toBeGreaterThan(0);
    expect(uploads.at(-1)).toMatchObject({ direction: 'upload', name: 'summit.png', assetId: null, messageId: null });
  });

  it('previews a received image byte-identical, and the second time from the cache', async () => {
    const image = Buffer.concat([PNG_SIGNATURE, randomBytes(400 * 1024)]);
    const { assetId, messageId } = await send('lake.png', image);

    const first = await served(() => bob.core.router.request('files.preview', { assetId }));
    expect(first.value.ok && sha(first.value.value.bytes)).toBe(sha(image));
    expect(first.bytes).toBeGreaterThan(image.length);

    const second = await served(() => bob.core.router.request('files.preview', { assetId }));
    expect(second.value.ok && sha(second.value.value.bytes)).toBe(sha(image));
    expect(second.bytes).toBeLessThan(2048);

    // Download progress names the message, so the UI can draw the bar on its card.
    expect(eventsOf(bob, 'file.progress').filter((e) => (e as { assetId?: string }).assetId === assetId).at(-1)).toMatchObject({
      direction: 'download',
      messageId,
      done: expect.any(Number),
    });

    // What sits in the cache is ciphertext: the image's bytes appear nowhere in it.
    const cached = await readFile(path.join(env.root, 'bob', 'files', 'cache', `${assetId}.enc`));
    expect(cached.includes(image.subarray(8, 64))).toBe(false);

    // Saving the file needs no network either.
    const out = path.join(env.root, 'bob-lake.png');
    const saved = await served(() => bob.core.router.request('files.download', { assetId, grant: bob.core.grantFile('write', out) }));
    expect(saved.value).toMatchObject({ ok: true, value: { size: image.length } });
    expect(saved.bytes).toBeLessThan(2048);
    expect(sha(await readFile(out))).toBe(sha(image));
  });

  it('notices a damaged cache entry and fetches the file again', async () => {
    const image = Buffer.concat([PNG_SIGNATURE, randomBytes(64 * 1024)]);
    const { assetId } = await send('damaged.png', image);
    expect((await bob.core.router.request('files.preview', { assetId })).ok).toBe(true);
    const cacheFile = path.join(env.root, 'bob', 'files', 'cache', `${assetId}.enc`);
    const damaged = await readFile(cacheFile);
    damaged[40] = (damaged[40] ?? 0) ^ 0xff;
    await writeFile(cacheFile, damaged);

    const again = await served(() => bob.core.router.request('files.preview', { assetId }));
    expect(again.value.ok && sha(again.value.value.bytes)).toBe(sha(image));
    expect(again.bytes).toBeGreaterThan(image.length);
  });

  it('refuses previews of files that are not images, or images over 20 MiB, without fetching them', async () => {
    const text = await send('notes.txt', Buffer.from('not an image\n'.repeat(100)));
    expect(await bob.core.router.request('files.preview', { assetId: text.assetId })).toMatchObject({ ok: false, error: { code: 'asset-not-image' } });

    const pretender = await send('pretend.png', Buffer.from('plain text wearing a .png name'));
    expect(await bob.core.router.request('files.preview', { assetId: pretender.assetId })).toMatchObject({ ok: false, error: { code: 'asset-not-image' } });

    const large = await send('panorama.png', Buffer.concat([PNG_SIGNATURE, Buffer.alloc(20 * 1024 * 1024 + 1)]));
    const refused = await served(() => bob.core.router.request('files.preview', { assetId: large.assetId }));
    expect(refused.value).toMatchObject({ ok: false, error: { code: 'asset-preview-too-large' } });
    expect(refused.bytes).toBeLessThan(2048);

    expect(await bob.core.router.request('files.preview', { assetId: 'f'.repeat(32) })).toMatchObject({ ok: false, error: { code: 'asset-not-found' } });
  });
});

describe('resumable downloads', () => {
  it('resumes within the same download when the connection drops mid-way', async () => {
    const video = randomBytes(3 * 1024 * 1024);
    const { assetId } = await send('ridge.mp4', video);
    proxy.cutAfter(1024 * 1024);
    const out = path.join(env.root, 'bob-ridge.mp4');
    const download = await served(() => bob.core.router.request('files.download', { assetId, grant: bob.core.grantFile('write', out) }));
    expect(proxy.cut).toBe(true);
    expect(download.value).toMatchObject({ ok: true, value: { size: video.length } });
    expect(sha(await readFile(out))).toBe(sha(video));
    // A restart from zero would cost the megabyte already fetched once more.
    expect(download.bytes).toBeLessThan(video.length + 512 * 1024);
  });

  it('continues an interrupted download later from the bytes already fetched', async () => {
    const video = randomBytes(4 * 1024 * 1024);
    const { assetId } = await send('valley.mp4', video);
    const out = path.join(env.root, 'bob-valley.mp4');

    proxy.cutAfter(1536 * 1024, { thenRefuse: true });
    const failed = await bob.core.router.request('files.download', { assetId, grant: bob.core.grantFile('write', out) });
    expect(failed).toMatchObject({ ok: false, error: { code: 'network-unreachable' } });
    expect(existsSync(out)).toBe(false);
    const partial = path.join(env.root, 'bob', 'files', 'cache', `${assetId}.partial`);
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThan(512 * 1024);
    expect(kept).toBeLessThan(video.length);

    proxy.restore();
    const resumed = await served(() => bob.core.router.request('files.download', { assetId, grant: bob.core.grantFile('write', out) }));
    expect(resumed.value).toMatchObject({ ok: true, value: { size: video.length } });
    expect(sha(await readFile(out))).toBe(sha(video));
    // Only the missing part crossed the network the second time.
    expect(resumed.bytes).toBeLessThan(video.length - kept + 256 * 1024);
    expect(resumed.bytes).toBeGreaterThan(video.length - kept);
    expect(await readdir(path.dirname(partial))).not.toContain(`${assetId}.partial`);
  });
});

describe('size limits on fetching', () => {
  it('stops fetching an asset larger than the caller allows (a preview whose sender understated the size)', async () => {
    const { assetId } = await send('understated.png', Buffer.concat([PNG_SIGNATURE, randomBytes(600 * 1024)]));
    const api = await addDevice(env.server, 'alice@example.test', 'raw reader');
    const partial = path.join(env.root, 'limited.partial');
    await expect(downloadAsset(api, assetId, partial, { maxBytes: 100 * 1024 })).rejects.toMatchObject({ code: 'asset-too-large' });
    expect((await stat(partial).catch(() => undefined))?.size ?? 0).toBeLessThanOrEqual(100 * 1024);
  });
});

describe('paths the user grants', () => {
  it('sends only readable regular files outside the profile, and saves only into existing folders', async () => {
    const send = (file: string) => alice.core.router.request('files.send', { conversationId, grant: alice.core.grantFile('read', file) });
    expect(await send(env.root)).toMatchObject({ ok: false, error: { code: 'file-not-regular' } });
    expect(await send(path.join(env.root, 'nowhere.txt'))).toMatchObject({ ok: false, error: { code: 'file-not-found' } });
    // The shell grants absolute paths only.
    expect(() => alice.core.grantFile('read', 'relative.txt')).toThrow(/absolute path/);
    const profileFiles = await readdir(path.join(env.root, 'alice'));
    const inside = profileFiles.map((f) => path.join(env.root, 'alice', f)).find((f) => f.endsWith('.db') || f.endsWith('.sqlite'));
    expect(inside).toBeDefined();
    expect(await send(inside ?? '')).toMatchObject({ ok: false, error: { code: 'file-in-profile' } });

    const assetId = (await messages(bob)).find((m) => m.asset?.name === 'notes.txt')?.asset?.id ?? '';
    const save = (file: string) => bob.core.router.request('files.download', { assetId, grant: bob.core.grantFile('write', file) });
    expect(await save(path.join(env.root, 'missing-folder', 'notes.txt'))).toMatchObject({ ok: false, error: { code: 'file-folder-missing' } });
    expect(await save(path.join(env.root, 'bob', 'notes.txt'))).toMatchObject({ ok: false, error: { code: 'file-in-profile' } });
    expect(await save(env.root)).toMatchObject({ ok: false, error: { code: 'file-not-regular' } });
    expect(await save(path.join(env.root, 'saved-notes.txt'))).toMatchObject({ ok: true });
  });
});
