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
  win: z.object({ target: z.array(z.object({ target: z.enum(['nsis', 'msi']) })) }),
  msi: z.object({ perMachine: z.literal(true), oneClick: z.literal(true), upgradeCode: z.string().uuid() }),
  linux: z.object({ target: z.array(z.string()) }),
  publish: z.array(z.object({ provider: z.string() })).min(1),
});

const CONFIG_FILE = path.join(REPO_ROOT, 'build', 'electron-builder.config.cjs');

/** The config before the signing decision (the file exports a function electron-builder calls). */
async function loadConfig() {
  const raw: unknown = require(CONFIG_FILE);
  return PackagingSchema.parse(Reflect.get(Object(raw), 'baseConfig'));
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

  it('keeps electron-builder’s default deb dependencies (GTK, libsecret…) instead of replacing them', () => {
    const raw: unknown = require(CONFIG_FILE);
    expect(Reflect.get(Object(Reflect.get(Object(raw), 'baseConfig')), 'deb')).toBeUndefined();
  });

  it('builds a per-machine MSI for Group Policy and Intune beside the NSIS installer', async () => {
    const config = await loadConfig();
    expect(config.win.target.map((target) => target.target)).toEqual(['nsis', 'msi']);
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

/**
 * Loads the config the way electron-builder does (its own loader calls the exported function),
 * in a child process with the given environment and command line, and validates the result with
 * electron-builder's schema, so a misspelt option fails here and not on a release runner.
 */
async function loadWithBuilder(env: Readonly<Record<string, string>>, args: readonly string[]): Promise<Record<string, unknown>> {
  const script = `
    const { getConfig } = require('app-builder-lib/out/util/config/load');
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    getConfig({ projectDir: ${JSON.stringify(REPO_ROOT)}, packageKey: 'build', configFilename: 'electron-builder' }, ${JSON.stringify(CONFIG_FILE)})
      .then(async ({ result }) => { await validateConfiguration(result, new DebugLogger(false)); return result; })
      .then(
        (config) => process.stdout.write(JSON.stringify({ ok: true, config })),
        (error) => process.stdout.write(JSON.stringify({ ok: false, message: error.message })),
      );`;
  // process.argv as electron-builder's CLI sees it: [node, cli, ...flags].
  const { stdout } = await run(process.execPath, ['-e', script, 'electron-builder', ...args], {
    cwd: REPO_ROOT,
    timeout: 50_000,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const answer = z.union([z.object({ ok: z.literal(true), config: z.record(z.string(), z.unknown()) }), z.object({ ok: z.literal(false), message: z.string() })]).parse(JSON.parse(stdout));
  if (!answer.ok) throw new Error(answer.message);
  return answer.config;
}

// Each load starts electron-builder's loader in a child process: 2–18 s measured, the slow end
// on a loaded 2-core machine, so these tests get three times that.
describe('installer configuration as electron-builder loads it', { timeout: 60_000 }, () => {
  it('refuses to build for Windows without signing credentials', async () => {
    await expect(loadWithBuilder({}, ['--win'])).rejects.toThrow(/not built unsigned.*Windows: WIN_CSC_LINK/);
  });

  it('refuses to build for macOS without notarisation credentials', async () => {
    await expect(loadWithBuilder({ CSC_LINK: 'base64-p12' }, ['--mac'])).rejects.toThrow(/macOS: APPLE_ID/);
  });

  it('passes electron-builder’s validation as a signed release', async () => {
    const config = await loadWithBuilder({ WIN_CSC_LINK: 'base64-pfx', CSC_NAME: 'Developer ID Application: Cairn', APPLE_KEYCHAIN_PROFILE: 'cairn' }, ['-mwl']);
    expect(config).toMatchObject({ productName: 'Cairn', forceCodeSigning: true, mac: { notarize: true }, dmg: { sign: true } });
  });

  it('passes electron-builder’s validation as a marked unsigned development build', async () => {
    const config = await loadWithBuilder({ CAIRN_UNSIGNED_DEV_BUILD: '1' }, ['--win', '--mac']);
    expect(config).toMatchObject({ productName: 'Cairn Unsigned Dev', forceCodeSigning: false, publish: null });
  });
});
