// Security review, item 5: once the app lock engages, the process that serves the locked UI
// holds neither the database key (raw or as hex text), nor the passcode, nor message text.
// The core runs as its own process, as in the app, and its memory is read from /proc.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CairnBridge } from '../../../electron/core/ipc/bridge';
import { createBridge } from '../../../electron/core/ipc/bridge';
import { openStore } from '../../../electron/core/store/openStore';
import { PROFILE_FILES } from '../../../electron/core/store/profileFiles';
import { PassphraseVault } from '../../../electron/core/vault/passphraseVault';
import type { HostedCore } from '../../host/coreProcess';
import { bundleCoreProcess, hostCoreProcess } from '../../host/coreProcess';
import type { ObservedCore } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { mailedCode } from '../../support/outbox';
import type { Needle } from '../../support/processMemory';
import { scanProcessMemory, textNeedles } from '../../support/processMemory';
import { TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';

const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
// On a computer without a keychain the passcode chosen at sign-in protects the key; the test
// then changes it, which re-keys the database like turning the lock on does.
const FIRST_PASSCODE = `First-${randomUUID().slice(0, 8)}-1!`;
const PASSCODE = `Lock-${randomUUID().slice(0, 8)}-9!`;
const MARKER = `marker-${randomUUID()}`;

const env = useTestServer('locked-memory');
const cores: ObservedCore[] = [];
let hosted: HostedCore | undefined;
let bridge: CairnBridge;

afterAll(async () => {
  await hosted?.close();
  await Promise.all(cores.map((c) => c.core.close()));
});

async function value<T>(result: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

async function texts(conversationId: string): Promise<string[]> {
  const result = await bridge.request('messages.list', { conversationId, limit: 50 });
  return result.ok ? result.value.messages.map((m) => m.text ?? '') : [];
}

async function databaseKey(passcode: string): Promise<Buffer> {
  const key = await new PassphraseVault({ file: path.join(env.root, 'mira', PROFILE_FILES.wrappedKey), passphrase: passcode }).loadKey();
  if (!key.ok) throw new Error(key.error.message);
  return Buffer.from(key.value);
}

function needles(key: Buffer): Needle[] {
  return [
    { name: 'database key', bytes: key },
    { name: 'database key as hex', bytes: Buffer.from(key.toString('hex'), 'latin1') },
    ...textNeedles('passcode', PASSCODE),
    ...textNeedles('message text', MARKER),
  ];
}

beforeAll(async () => {
  const entry = await bundleCoreProcess();
  const listeners: Array<(message: unknown) => void> = [];
  hosted = hostCoreProcess(
    entry,
    {
      dataDir: path.join(env.root, 'mira'),
      appVersion: 'test',
      defaultServer: null,
      runtime: 'test',
      store: { prefer: 'passphrase', passphrase: FIRST_PASSCODE, kdf: MODEST },
    },
    (message) => listeners.forEach((listener) => listener(message)),
  );
  const core = hosted;
  bridge = createBridge({ send: (message) => core.send(message), onMessage: (listener) => listeners.push(listener) });
});

describe.skipIf(process.platform !== 'linux')('memory of a locked core', () => {
  it('holds no database key, hex key, passcode or message text once locked; the process before the lock did', async () => {
    const email = 'mira@example.test';
    const config = { url: env.server.url, pins: [env.server.pin] };
    await value(bridge.request('account.register', { server: config, email, name: 'Mira', password: TEST_PASSWORD }));
    const mira = await value(bridge.request('account.activate', { email, code: await mailedCode(env.serverDir, email) }));
    if (mira.state !== 'signed-in') throw new Error('not signed in');
    const [peer] = startCores(env.root, cores, 'peer');
    await registerThroughCore(peer, env.server, env.root, 'peer@example.test', 'Peer');

    // A message arrives and one is sent, both carrying the marker.
    const created = await value(peer.core.router.request('conversations.create', { name: 'Ridge', members: [{ id: mira.user.id, domain: mira.user.domain }] }));
    await expect.poll(async () => (await bridge.request('conversations.list', {})).ok && (await texts(created.id)), { timeout: 20_000 }).toBeDefined();
    await value(peer.core.router.request('messages.send', { conversationId: created.id, text: `in ${MARKER}` }));
    await expect.poll(() => texts(created.id), { timeout: 20_000 }).toContain(`in ${MARKER}`);
    await value(bridge.request('messages.send', { conversationId: created.id, text: `out ${MARKER}` }));

    const keyBefore = await databaseKey(FIRST_PASSCODE);
    // As the settings page does: the status notices that the new profile's key is passcode-wrapped.
    expect(await value(bridge.request('appLock.status', {}))).toMatchObject({ enabled: true, locked: false });
    await value(bridge.request('appLock.change', { current: FIRST_PASSCODE, next: PASSCODE }));
    const key = await databaseKey(PASSCODE);
    expect(key.equals(keyBefore)).toBe(false);

    // Control: the same scan of the unlocked core finds what it must not find later.
    const core = hosted;
    if (!core) throw new Error('no core');
    const unlockedPid = core.pid();
    const before = scanProcessMemory(unlockedPid, needles(key));
    expect(before.bytesRead).toBeGreaterThan(10_000_000);
    expect(before.found).toEqual(expect.arrayContaining(['database key', 'passcode', 'message text']));

    const replaced = core.nextReplacement();
    expect(await value(bridge.request('appLock.lock', {}))).toMatchObject({ enabled: true, locked: true });
    const lockedPid = await replaced;
    expect(lockedPid).not.toBe(unlockedPid);
    expect(await value(bridge.request('appLock.status', {}))).toMatchObject({ enabled: true, locked: true });

    const after = scanProcessMemory(lockedPid, needles(key));
    expect(after.bytesRead).toBeGreaterThan(10_000_000);
    expect(after.found).toEqual([]);
    process.stdout.write(`memory scan: unlocked core ${before.bytesRead} bytes, found ${before.found.join(', ')}; locked core ${after.bytesRead} bytes, found nothing\n`);

    // The key seen before the change no longer opens the database; the new one does.
    const file = path.join(env.root, 'mira', PROFILE_FILES.database);
    expect(openStore(file, keyBefore)).toMatchObject({ ok: false, error: { code: 'store-wrong-key' } });
    const reopened = openStore(file, key);
    expect(reopened.ok).toBe(true);
    if (reopened.ok) reopened.value.close();

    // Nothing was lost: the fresh core unlocks and shows both messages.
    await value(bridge.request('appLock.unlock', { passcode: PASSCODE }));
    expect(await texts(created.id)).toEqual(expect.arrayContaining([`in ${MARKER}`, `out ${MARKER}`]));
  });
});
