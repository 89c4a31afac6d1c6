import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { ObservedCore } from '../../support/cores';
import { eventsOf, registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('files');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function messages(o: ObservedCore, conversationId: string): Promise<StoredMessage[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages : [];
}

describe('files in conversations', () => {
  it('round-trips a file byte-identical, checks the hash before decrypting, and the server never sees the bytes', async () => {
    const [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const created = await alice.core.router.request('conversations.create', { name: 'Files', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;

    const original = Buffer.concat([Buffer.from('%PDF-1.7 trail map '), randomBytes(3 * 1024 * 1024)]);
    const source = path.join(env.root, 'trail-map.pdf');
    await writeFile(source, original);
    const sent = await alice.core.router.request('files.send', { conversationId: id, grant: alice.core.grantFile('read', source) });
    expect(sent).toMatchObject({ ok: true, value: { kind: 'asset', asset: { name: 'trail-map.pdf', mime: 'application/pdf', size: original.length } } });
    expect(eventsOf(alice, 'file.progress').length).toBeGreaterThan(0);

    await expect.poll(async () => (await messages(bob, id)).map((m) => m.asset?.name), { timeout: 15_000 }).toEqual(['trail-map.pdf']);
    const assetId = (await messages(bob, id))[0]?.asset?.id ?? '';

    // The server holds only ciphertext.
    const stored = await readFile(path.join(env.serverDir, 'assets', assetId.slice(0, 2), assetId));
    expect(stored.includes(original.subarray(0, 32))).toBe(false);

    const out = path.join(env.root, 'bob-trail-map.pdf');
    const downloaded = await bob.core.router.request('files.download', { assetId, grant: bob.core.grantFile('write', out) });
    expect(downloaded).toMatchObject({ ok: true, value: { size: original.length } });
    expect(sha(await readFile(out))).toBe(sha(original));
    expect((await messages(bob, id))[0]?.asset?.savedAt).toBe(out);

    // A tampered blob at the server is refused before decryption and nothing is written. (Bob's
    // verified copy sits in his encrypted file cache; without it he must fetch the blob again.)
    await rm(path.join(env.root, 'bob', 'files', 'cache'), { recursive: true, force: true });
    const tampered = Buffer.from(stored);
    tampered[tampered.length - 100] = (tampered[tampered.length - 100] ?? 0) ^ 1;
    await writeFile(path.join(env.serverDir, 'assets', assetId.slice(0, 2), assetId), tampered);
    const refused = await bob.core.router.request('files.download', { assetId, grant: bob.core.grantFile('write', path.join(env.root, 'tampered.pdf')) });
    expect(refused).toMatchObject({ ok: false, error: { code: 'asset-hash-mismatch' } });
    expect(existsSync(path.join(env.root, 'tampered.pdf'))).toBe(false);
    expect(existsSync(path.join(env.root, 'bob', 'files', 'cache', `${assetId}.enc`))).toBe(false);
    expect(existsSync(path.join(env.root, 'bob', 'files', 'cache', `${assetId}.partial`))).toBe(false);
  });
});
