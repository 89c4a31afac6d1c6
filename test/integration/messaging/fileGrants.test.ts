/**
 * A compromised renderer against the core's file requests (security review, issue 11 item 4):
 * the page can call the IPC contract with anything, so it tries raw paths, made-up grants,
 * grants used twice and grants of the wrong kind. Real server over TLS, real cores; the page's
 * requests go through `router.handle`, as the core's port serves them.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('file-grants');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let conversationId = '';
let assetId = '';

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

beforeAll(async () => {
  [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
  await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  const bobUser: SignedInUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
  const created = await alice.core.router.request('conversations.create', { name: 'Grants', members: [{ id: bobUser.id, domain: bobUser.domain }] });
  if (!created.ok) throw new Error(created.error.message);
  conversationId = created.value.id;
  const source = path.join(env.root, 'payload.sh');
  await writeFile(source, 'echo pwned\n');
  const sent = await alice.core.router.request('files.send', { conversationId, grant: alice.core.grantFile('read', source) });
  if (!sent.ok || !sent.value.asset) throw new Error('could not send the payload');
  assetId = sent.value.asset.id;
}, 60_000);

describe('paths reach the core only as grants from the shell', () => {
  it('refuses a request that names a path, and writes nothing there', async () => {
    const startup = path.join(env.root, 'home', '.bashrc');
    const download = await alice.core.router.handle('files.download', { assetId, path: startup });
    expect(download).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    const withBoth = await alice.core.router.handle('files.download', { assetId, grant: alice.core.grantFile('write', path.join(env.root, 'ok.sh')), path: startup });
    expect(withBoth).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    expect(existsSync(startup)).toBe(false);

    const key = path.join(env.root, 'id_ed25519');
    await writeFile(key, 'PRIVATE KEY');
    expect(await alice.core.router.handle('files.send', { conversationId, path: key })).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    expect(await alice.core.router.handle('backup.export', { file: startup, unencrypted: true })).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    expect(await alice.core.router.handle('backup.inspect', { file: key })).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    // Nor does a path pass where a grant id is expected.
    expect(await alice.core.router.handle('files.send', { conversationId, grant: key })).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
  });

  it('refuses a made-up grant id', async () => {
    const forged = 'A'.repeat(43);
    expect(await alice.core.router.handle('files.send', { conversationId, grant: forged })).toMatchObject({ ok: false, error: { code: 'file-grant-invalid' } });
    expect(await alice.core.router.handle('files.download', { assetId, grant: forged })).toMatchObject({ ok: false, error: { code: 'file-grant-invalid' } });
    // Another core's grant is no grant here either.
    const elsewhere = bob.core.grantFile('write', path.join(env.root, 'bob-only.sh'));
    expect(await alice.core.router.handle('files.download', { assetId, grant: elsewhere })).toMatchObject({ ok: false, error: { code: 'file-grant-invalid' } });
  });

  it('lets a grant be used once, for its own kind only', async () => {
    const picked = path.join(env.root, 'picked.txt');
    await writeFile(picked, 'chosen by the user');
    const read = alice.core.grantFile('read', picked);
    // A file picked to send cannot be written over.
    expect(await alice.core.router.handle('files.download', { assetId, grant: read })).toMatchObject({ ok: false, error: { code: 'file-grant-invalid' } });
    expect(await readFile(picked, 'utf8')).toBe('chosen by the user');
    expect(await alice.core.router.handle('files.send', { conversationId, grant: read })).toMatchObject({ ok: true });
    expect(await alice.core.router.handle('files.send', { conversationId, grant: read })).toMatchObject({ ok: false, error: { code: 'file-grant-invalid' } });

    const target = path.join(env.root, 'saved-here.sh');
    const write = alice.core.grantFile('write', target);
    // A save location cannot be read (sent) from.
    expect(await alice.core.router.handle('files.send', { conversationId, grant: write })).toMatchObject({ ok: false, error: { code: 'file-grant-invalid' } });
    expect(await alice.core.router.handle('files.download', { assetId, grant: write })).toMatchObject({ ok: true, value: { name: 'saved-here.sh', size: 11 } });
    expect(await readFile(target, 'utf8')).toBe('echo pwned\n');
    expect(await alice.core.router.handle('files.download', { assetId, grant: write })).toMatchObject({ ok: false, error: { code: 'file-grant-invalid' } });
  });

  it('answers a download with the file name, not its path', async () => {
    const target = path.join(env.root, 'answer.sh');
    const saved = await alice.core.router.handle('files.download', { assetId, grant: alice.core.grantFile('write', target) });
    expect(saved).toEqual({ ok: true, value: { name: 'answer.sh', size: 11 } });
  });
});
