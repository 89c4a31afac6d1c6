import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO_ROOT } from '../../../build/bundle';
import { iconSvg } from '../../../build/renderIcon';

const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** The security-relevant part of the electron-builder config, as this test expects it. */
const PackagingSchema = z.object({
  appId: z.string(),
  productName: z.literal('Cairn'),
  asar: z.literal(true),
  asarUnpack: z.array(z.string()),
  files: z.array(z.string()),
  electronFuses: z.object({
    runAsNode: z.literal(false),
    enableCookieEncryption: z.literal(true),
    enableNodeOptionsEnvironmentVariable: z.literal(false),
    enableNodeCliInspectArguments: z.literal(false),
    enableEmbeddedAsarIntegrityValidation: z.literal(true),
    onlyLoadAppFromAsar: z.literal(true),
    grantFileProtocolExtraPrivileges: z.literal(false),
  }),
  mac: z.object({ hardenedRuntime: z.literal(true), entitlements: z.string(), entitlementsInherit: z.string() }),
  win: z.object({ target: z.array(z.object({ target: z.literal('nsis') })) }),
  linux: z.object({ target: z.array(z.string()) }),
  publish: z.array(z.object({ provider: z.string() })).min(1),
});

async function loadConfig() {
  const raw: unknown = require(path.join(REPO_ROOT, 'build', 'electron-builder.config.cjs'));
  return PackagingSchema.parse(raw);
}

describe('installer configuration', () => {
  it('flips every hardening fuse', async () => {
    await expect(loadConfig()).resolves.toBeDefined();
  });

  it('keeps native modules out of the asar and ships the bundles and renderer', async () => {
    const config = await loadConfig();
    for (const name of ['better-sqlite3-multiple-ciphers', 'keytar']) {
      expect(config.asarUnpack.some((pattern) => pattern.includes(name))).toBe(true);
    }
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**/*', 'dist/renderer/**/*', '!**/*.map']));
  });

  it('builds AppImage and deb on Linux', async () => {
    expect((await loadConfig()).linux.target).toEqual(['AppImage', 'deb']);
  });

  it('grants the macOS app only JIT, camera and microphone entitlements', async () => {
    const config = await loadConfig();
    const plist = await readFile(path.join(REPO_ROOT, config.mac.entitlements), 'utf8');
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((match) => match[1]);
    expect(keys.sort()).toEqual([
      'com.apple.security.cs.allow-jit',
      'com.apple.security.device.audio-input',
      'com.apple.security.device.camera',
    ]);
  });

  it('has an app icon of the size the packager needs', async () => {
    const png = await readFile(path.join(REPO_ROOT, 'resources', 'icon.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 1024]);
  });

  it('keeps the committed SVG icon in step with the shapes the PNG is drawn from', async () => {
    expect(await readFile(path.join(REPO_ROOT, 'resources', 'icon.svg'), 'utf8')).toBe(iconSvg());
  });
});

describe('installer configuration schema', () => {
  it('passes electron-builder’s own validation, so a misspelt option fails here and not on a release runner', async () => {
    const script = `
      const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
      const { DebugLogger } = require('builder-util');
      const config = require(${JSON.stringify(path.join(REPO_ROOT, 'build', 'electron-builder.config.cjs'))});
      validateConfiguration(config, new DebugLogger(false)).then(
        () => process.stdout.write('valid'),
        (error) => { process.stdout.write(error.message); process.exit(1); },
      );`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: REPO_ROOT, timeout: 20_000 });
    expect(stdout).toBe('valid');
  });
});
