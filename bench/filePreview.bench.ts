/**
 * Image previews and downloads through real cores and the real server (pinned TLS on
 * 127.0.0.1), 4 MiB image:
 * - a preview answered from the encrypted cache (hash + decrypt in memory), against the same
 *   preview when the cache is emptied before each one (fetch from the server first);
 * - `files.download` from the server (fetch, hash check before caching, hash check again before
 *   decrypting, decrypt to disk), against fetching the ciphertext alone (`downloadAsset`).
 * Only the ratios mean anything on these noisy machines.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { downloadAsset } from '../electron/core/net/assetTransfer';
import { startServer } from '../server/server';
import { registerThroughCore, startCore } from '../test/support/cores';
import { addDevice } from '../test/support/serverAccounts';
import type { BenchResult } from './harness';
import { measure } from './harness';

const IMAGE_BYTES = 4 * 1024 * 1024;
const ROUNDS = 10;

export async function run(): Promise<BenchResult[]> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-files-'));
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  const server = started.value;
  const alice = startCore(root, 'alice');
  try {
    await registerThroughCore(alice, server, root, 'alice@example.test', 'Alice');
    const created = await alice.core.router.request('conversations.create', { name: 'Bench', members: [] });
    if (!created.ok) throw new Error(created.error.message);
    const source = path.join(root, 'bench.png');
    await writeFile(source, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(IMAGE_BYTES - 8)]));
    const sent = await alice.core.router.request('files.send', { conversationId: created.value.id, grant: alice.core.grantFile('read', source) });
    if (!sent.ok || !sent.value.asset) throw new Error(sent.ok ? 'no asset' : sent.error.message);
    const assetId = sent.value.asset.id;
    const cached = path.join(root, 'alice', 'files', 'cache', `${assetId}.enc`);

    const preview = async (): Promise<void> => {
      const result = await alice.core.router.request('files.preview', { assetId });
      if (!result.ok) throw new Error(result.error.code);
    };
    const fetchedPreview = await measure(ROUNDS, async () => {
      await rm(cached, { force: true });
      await preview();
    });
    const cachedPreview = await measure(ROUNDS, preview);

    const out = path.join(root, 'saved.png');
    const fullDownload = await measure(ROUNDS, async () => {
      await rm(cached, { force: true });
      const result = await alice.core.router.request('files.download', { assetId, grant: alice.core.grantFile('write', out) });
      if (!result.ok) throw new Error(result.error.code);
    });
    // The same account on a plain API client (the uploader may read its asset).
    const apiOfAlice = await addDevice(server, 'alice@example.test', 'bench');
    const rawFetch = await measure(ROUNDS, async () => {
      const partial = path.join(root, 'raw.partial');
      await rm(partial, { force: true });
      await downloadAsset(apiOfAlice, assetId, partial);
    });
    return [
      { name: 'image preview from the encrypted cache (4 MiB)', baselineName: 'same preview fetched from the server', baseline: fetchedPreview, subject: cachedPreview },
      { name: 'files.download from the server (fetch, 2 hash checks, decrypt to disk)', baselineName: 'ciphertext fetch alone', baseline: rawFetch, subject: fullDownload },
    ];
  } finally {
    await alice.core.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
