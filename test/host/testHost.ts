/**
 * The test host: the real core in a Node child process (as Electron runs it in a utility
 * process, and replaced by a fresh one when the app locks, see coreProcess.ts), the built
 * renderer in Debian Chromium, and `window.cairn` built by the shared `createBridge` factory
 * with a Playwright binding as its transport.
 */
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { CoreHostOptions } from '../../electron/core/hosts/options';
import type { ShellChannel } from '../../electron/core/ipc/shellApi';
import { launchChromium } from './chromium';
import type { HostedCore } from './coreProcess';
import { bundleCoreProcess, hostCoreProcess } from './coreProcess';
import type { RendererServer } from './rendererServer';
import { serveRenderer } from './rendererServer';
import type { ShellStandIn } from './shellStandIn';
import { createShellStandIn } from './shellStandIn';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_DIR = path.join(REPO_ROOT, 'dist/renderer');
export const TEST_OUTPUT_DIR = path.join(REPO_ROOT, 'test-output');

export interface LaunchOptions {
  readonly dataDir: string;
  readonly defaultServer?: Readonly<{ url: string; pins: readonly string[] }> | null;
  /** A server built into the app, as resources/server.json gives it in a packaged build. */
  readonly builtInServer?: Readonly<{ url: string; pins: readonly string[] }>;
  /** Machine policy as the shell would read it from the OS (Group Policy, MDM, /etc/cairn/policy.json). */
  readonly machinePolicy?: CoreHostOptions['machinePolicy'];
  readonly colorScheme?: 'light' | 'dark';
  readonly viewport?: { width: number; height: number };
  /** How the core keeps the profile's DB key; tests default to a passphrase with a fast KDF. */
  readonly store?: CoreHostOptions['store'];
  /** False: the core never uses the OS keychain (as on a computer without one). */
  readonly useKeychain?: boolean;
  /** Shorter call ring and connect times (missed-call tests). */
  readonly callTimings?: CoreHostOptions['callTimings'];
  /** The core's test seams, e.g. `{ alterReceivedCallFingerprints: true }` (session/calls/callOptions.ts). */
  readonly testSeams?: CoreHostOptions['testSeams'];
  /**
   * Flags for a Chromium of this client's own (closed with it), e.g. its own fake microphone
   * (`--use-file-for-fake-audio-capture=<wav>`: the file is per browser process, so two people
   * in a call test need two processes to send two different tones).
   */
  readonly chromiumArgs?: readonly string[];
  /** Scripts the page runs before the app's own, after the bridge (e.g. bundleInitScript('test/host/callProbe.ts')). */
  readonly initScripts?: readonly string[];
}

/** Tests keep the DB key under a passphrase with a cheap KDF: fast, and no keychain needed. */
export const TEST_PROFILE_STORE: CoreHostOptions['store'] = {
  prefer: 'passphrase',
  passphrase: 'test-host-profile',
  kdf: { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 },
};

export interface TestClient {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Messages the core sent to the page, for assertions about events. */
  readonly received: readonly unknown[];
  /** Messages the page sent to the core, for assertions about what was (not) requested. */
  readonly sent: readonly unknown[];
  /** Plays the OS file dialogs behind `window.cairn.shell` (Electron cannot run here). */
  readonly shell: ShellStandIn;
  /** A file named `name` dropped on the page resolves to `path` (Electron's webUtils.getPathForFile in the preload). */
  resolveDroppedFile(name: string, path: string): Promise<void>;
  /** The core's process as it is now (a lock replaces it). */
  readonly core: HostedCore;
  /** Saves a PNG under test-output/screenshots/ and returns its path. */
  screenshot(name: string): Promise<string>;
  /**
   * Saves `<name>-light.png` and `<name>-dark.png` of the page as it is now (the page follows the
   * emulated colour scheme), then puts back the scheme the client was launched with.
   */
  screenshots(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface TestHost {
  readonly rendererUrl: string;
  launch(options: LaunchOptions): Promise<TestClient>;
  close(): Promise<void>;
}

export interface TestHostOptions {
  /** Response headers for the renderer (the shell's CSP and hardening headers). */
  readonly headers: Readonly<Record<string, string>>;
  readonly headless?: boolean;
}

export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const [pageBridge, coreBundle, renderer, browser] = await Promise.all([
    bundlePageBridge(),
    bundleCoreProcess(),
    serveRenderer(RENDERER_DIR, options.headers),
    launchChromium({ headless: options.headless ?? true }),
  ]);
  const clients = new Set<TestClient>();
  return {
    rendererUrl: renderer.url,
    async launch(launchOptions) {
      const client = await launchClient(browser, renderer, pageBridge, coreBundle, launchOptions);
      clients.add(client);
      return client;
    },
    async close() {
      await Promise.all([...clients].map((c) => c.close()));
      await browser.close();
      await renderer.close();
    },
  };
}

async function launchClient(
  sharedBrowser: Browser,
  renderer: RendererServer,
  pageBridge: string,
  coreBundle: string,
  options: LaunchOptions,
): Promise<TestClient> {
  const coreOptions: CoreHostOptions = {
    dataDir: options.dataDir,
    appVersion: '0.1.0-test',
    defaultServer: options.defaultServer ? { url: options.defaultServer.url, pins: [...options.defaultServer.pins] } : null,
    ...(options.builtInServer ? { builtInServer: { url: options.builtInServer.url, pins: [...options.builtInServer.pins] } } : {}),
    ...(options.machinePolicy ? { machinePolicy: options.machinePolicy } : {}),
    runtime: 'test host',
    store: options.store ?? TEST_PROFILE_STORE,
    ...(options.useKeychain === undefined ? {} : { useKeychain: options.useKeychain }),
    ...(options.callTimings ? { callTimings: options.callTimings } : {}),
    ...(options.testSeams ? { testSeams: options.testSeams } : {}),
  };
  const received: unknown[] = [];
  const sent: unknown[] = [];
  const pageErrors: string[] = [];
  let deliver: (message: unknown) => void = () => undefined;
  // The core starts first: its process loads while Chromium makes the page.
  const core = hostCoreProcess(coreBundle, coreOptions, (message) => {
    received.push(message);
    deliver(message);
  });
  const ownBrowser = options.chromiumArgs === undefined ? undefined : await launchChromium({ args: options.chromiumArgs });
  const browser = ownBrowser ?? sharedBrowser;
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1100, height: 760 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  deliver = (message) => {
    page.evaluate((m) => (globalThis as { __cairnReceive?: (x: unknown) => void }).__cairnReceive?.(m), message).catch(
      () => undefined, // the page may be closing
    );
  };
  await page.exposeBinding('__cairnSend', (_source, message: unknown) => {
    sent.push(message);
    core.send(message);
  });
  const shell = createShellStandIn(path.join(options.dataDir, 'Downloads'), (id, access, file) => core.grant(id, access, file));
  await page.exposeBinding('__cairnShell', (_source, channel: ShellChannel, args: unknown[]) => shell.handle(channel, Array.isArray(args) ? args : []));
  await page.addInitScript({ content: pageBridge });
  for (const script of options.initScripts ?? []) await page.addInitScript({ content: script });
  await core.ready();
  await page.goto(renderer.url);

  let closed = false;
  const screenshot = async (name: string): Promise<string> => {
    const dir = path.join(TEST_OUTPUT_DIR, 'screenshots');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  return {
    page,
    context,
    received,
    sent,
    shell,
    core,
    async resolveDroppedFile(name, file) {
      await page.evaluate(
        ([n, p]) => {
          const host = globalThis as { __cairnDroppedPaths?: Record<string, string> };
          host.__cairnDroppedPaths = { ...host.__cairnDroppedPaths, [n]: p };
        },
        [name, file] as const,
      );
    },
    async screenshots(name) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(`${name}-${scheme}`);
      }
      await page.emulateMedia({ colorScheme: options.colorScheme ?? 'light' });
    },
    screenshot,
    async close() {
      if (closed) return;
      closed = true;
      await context.close();
      await ownBrowser?.close();
      await core.close();
      if (pageErrors.length > 0) throw new Error(`page errors: ${pageErrors.join('; ')}`);
    },
  };
}

function bundlePageBridge(): Promise<string> {
  return bundleInitScript('test/host/pageBridge.ts');
}

/** Bundles a page script of the test host (a path from the repository root) into one IIFE for `initScripts`. */
export async function bundleInitScript(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome130',
    write: false,
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`${entry}: the bundle is empty`);
  return output.text;
}

/**
 * Starts the test host (Chromium + renderer server) before a file's tests and closes it after.
 * Call after `useTestServer` so the host (and its cores) close before the server does.
 */
export function useTestHost(options: TestHostOptions): { readonly host: TestHost } {
  let host: TestHost | undefined;
  beforeAll(async () => {
    host = await startTestHost(options);
  });
  afterAll(async () => {
    await host?.close();
  });
  return {
    get host() {
      if (!host) throw new Error('the test host is read before beforeAll ran');
      return host;
    },
  };
}
