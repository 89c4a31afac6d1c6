/**
 * The updater glue against a stand-in electron-updater (Electron cannot run here): what it
 * downloads and installs, given metadata and files signed or not with a test release key.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { publicKeyBase64, signUpdateInfo } from '../../../scripts/releaseSigner';

class FakeAutoUpdater extends EventEmitter {
  autoDownload = true;
  autoInstallOnAppQuit = true;
  allowDowngrade = true;
  allowPrerelease = true;
  feed: unknown;
  downloads = 0;
  installs = 0;
  checks = 0;
  setFeedURL(feed: unknown): void {
    this.feed = feed;
  }
  checkForUpdates(): Promise<null> {
    this.checks++;
    return Promise.resolve(null);
  }
  downloadUpdate(): Promise<string[]> {
    this.downloads++;
    return Promise.resolve([]);
  }
  quitAndInstall(): void {
    this.installs++;
  }
}

const fake = vi.hoisted(() => {
  const holder: { updater: unknown } = { updater: undefined };
  return holder;
});
vi.mock('electron-updater', () => ({
  get autoUpdater() {
    return fake.updater;
  },
}));

const { startUpdater } = await import('../../../electron/main/updater');

const release = generateKeyPairSync('ed25519').privateKey;
const KEYS = [publicKeyBase64(release)];
const installer = Buffer.from('Cairn 1.3.0 installer bytes');
const FILE = { url: 'Cairn-Setup-1.3.0.exe', sha512: createHash('sha512').update(installer).digest('base64'), size: installer.length };
const METADATA = { version: '1.3.0', files: [FILE], releaseDate: '2026-12-07T12:00:00.000Z' };
const SIGNED = { ...METADATA, cairnSignature: signUpdateInfo(METADATA, release) };

let dir: string;
let good: string;
let tampered: string;
let updater: FakeAutoUpdater;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cairn-updater-'));
  good = path.join(dir, 'good.exe');
  tampered = path.join(dir, 'tampered.exe');
  await writeFile(good, installer);
  await writeFile(tampered, Buffer.concat([installer.subarray(0, -1), Buffer.from('!')]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  updater = new FakeAutoUpdater();
  fake.updater = updater;
});

function start(options: { callActive?: () => boolean; answer?: boolean } = {}) {
  const told: string[] = [];
  const asked: string[] = [];
  const log: string[] = [];
  const control = startUpdater(
    { kind: 'on', feed: { kind: 'mirror', url: 'https://mirror.example.org/cairn' } },
    {
      currentVersion: '1.2.0',
      releaseKeys: KEYS,
      log: (message) => log.push(message),
      tell: (_title, body) => told.push(body),
      askRestart: (version) => {
        asked.push(version);
        return Promise.resolve(options.answer ?? true);
      },
      callActive: options.callActive ?? (() => false),
    },
  );
  return { control, told, asked, log };
}

/** Lets the updater's file hashing and promise chains run. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('updater', () => {
  it('downloads and installs nothing by itself, and uses the policy’s mirror', () => {
    start();
    expect(updater).toMatchObject({ autoDownload: false, autoInstallOnAppQuit: false, allowDowngrade: false, allowPrerelease: false });
    expect(updater.feed).toEqual({ provider: 'generic', url: 'https://mirror.example.org/cairn' });
    expect(updater.checks).toBe(1);
  });

  it('refuses unsigned metadata before downloading, and tells the user', () => {
    const { told } = start();
    updater.emit('update-available', METADATA);
    expect(updater.downloads).toBe(0);
    expect(told).toEqual(['The update is not signed by Cairn’s release key. Nothing was installed.']);
  });

  it('downloads a signed update, checks the file, asks, and installs when the user agrees', async () => {
    const { asked } = start();
    updater.emit('update-available', SIGNED);
    expect(updater.downloads).toBe(1);
    updater.emit('update-downloaded', { ...SIGNED, downloadedFile: good });
    await until(() => updater.installs === 1);
    expect(asked).toEqual(['1.3.0']);
  });

  it('does not install a downloaded file that differs from the signed one', async () => {
    const { told, asked } = start();
    updater.emit('update-available', SIGNED);
    updater.emit('update-downloaded', { ...SIGNED, downloadedFile: tampered });
    await until(() => told.length === 1);
    expect(told[0]).toContain('not the file Cairn’s release key signed');
    expect(asked).toEqual([]);
    expect(updater.installs).toBe(0);
  });

  it('keeps a postponed update for later without installing it', async () => {
    const { asked, log } = start({ answer: false });
    updater.emit('update-available', SIGNED);
    updater.emit('update-downloaded', { ...SIGNED, downloadedFile: good });
    await until(() => log.some((line) => line.includes('postponed')));
    expect(asked).toEqual(['1.3.0']);
    expect(updater.installs).toBe(0);
  });

  it('waits for a running call to end before offering the restart', async () => {
    let inCall = true;
    const { control, asked, log } = start({ callActive: () => inCall });
    updater.emit('update-available', SIGNED);
    updater.emit('update-downloaded', { ...SIGNED, downloadedFile: good });
    await until(() => log.some((line) => line.includes('waiting for the call to end')));
    expect(asked).toEqual([]);
    inCall = false;
    control.callEnded();
    await until(() => updater.installs === 1);
    expect(asked).toEqual(['1.3.0']);
  });

  it('does nothing at all when the plan is off', () => {
    const log: string[] = [];
    startUpdater({ kind: 'off', reason: 'updates are turned off by the machine policy' }, {
      currentVersion: '1.2.0',
      releaseKeys: KEYS,
      log: (message) => log.push(message),
      tell: () => undefined,
      askRestart: () => Promise.resolve(true),
      callActive: () => false,
    });
    expect(updater.checks).toBe(0);
    expect(log).toEqual(['updates off: updates are turned off by the machine policy']);
  });
});
