/**
 * Runs renderer/calls/harness (two peer connections with frame encryption in one page) in the
 * test host's Chromium: built with the renderer's own Vite config, served under the renderer's
 * CSP and hardening headers, with a fake microphone that plays a sine tone made by sox.
 * Used by the call media e2e test and `npm run bench callSetup`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { build as viteBuild } from 'vite';
import { z } from 'zod';
import { frameStatsSchema, kindStatsSchema, measuredSchema } from '../../renderer/calls/frameMessages';
import { launchChromium } from './chromium';
import { RENDERER_HEADERS } from './headers';
import type { RendererServer } from './rendererServer';
import { serveRenderer } from './rendererServer';
import { REPO_ROOT } from './testHost';

const run = promisify(execFile);

export interface CallHarness {
  readonly page: Page;
  /** Console errors and CSP violations the page reported. */
  readonly problems: readonly string[];
  /** Calls `cairnCallHarness.<method>(argument)` in the page and parses the answer. */
  call<T>(method: string, schema: z.ZodType<T>, argument?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** A 48 kHz mono sine of `hz` (the fake capture device loops the file). */
export async function makeTone(dir: string, hz: number): Promise<string> {
  const file = path.join(dir, `tone-${hz}.wav`);
  try {
    await run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', file, 'synth', '30', 'sine', String(hz), 'vol', '0.5']);
  } catch (error) {
    const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    throw new Error(missing ? 'The call tests make their microphone tone with sox: apt-get install -y sox' : `sox failed: ${String(error)}`);
  }
  return file;
}

/**
 * `page`: the harness folder under renderer/calls (`harness`: two bare peer connections;
 * `sessionHarness`: two CallSessions, renderer/calls/callSession.ts).
 */
export async function startCallHarness(options: { toneHz: number; page?: 'harness' | 'sessionHarness' }): Promise<CallHarness> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'cairn-call-harness-'));
  const outDir = path.join(work, 'page');
  await viteBuild({
    configFile: path.join(REPO_ROOT, 'renderer/vite.config.ts'),
    root: path.join(REPO_ROOT, 'renderer/calls', options.page ?? 'harness'),
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  });
  const tone = await makeTone(work, options.toneHz);
  let server: RendererServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await serveRenderer(outDir, RENDERER_HEADERS);
    browser = await launchChromium({ args: [`--use-file-for-fake-audio-capture=${tone}`] });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // Chromium asks every page for /favicon.ico; the harness has none.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.waitForFunction(() => 'cairnCallHarness' in globalThis);
    const openServer = server;
    const openBrowser = browser;
    return {
      page,
      problems,
      async call<T>(method: string, schema: z.ZodType<T>, argument?: unknown): Promise<T> {
        const answer: unknown = await page.evaluate(`cairnCallHarness.${method}(${argument === undefined ? '' : JSON.stringify(argument)})`);
        return schema.parse(answer);
      },
      async close() {
        await openBrowser.close();
        await openServer.close();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.close();
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/** Polls `probe` until `done` holds or the deadline passes; returns the last value either way. */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const rtpKind = z.object({
  packetsReceived: z.number(),
  bytesReceived: z.number(),
  framesDecoded: z.number(),
  keyFramesDecoded: z.number(),
  framesReceived: z.number(),
  totalSamplesReceived: z.number(),
  framesEncoded: z.number(),
  packetsSent: z.number(),
});
export { frameStatsSchema, kindStatsSchema, measuredSchema };
export const rtpSchema = z.object({ audio: rtpKind, video: rtpKind });
export const toneSchema = z.object({ peakHz: z.number().nullable(), rms: z.number() });
export const firstFrameSchema = z.object({ firstFrameMs: z.number().nullable(), videoWidth: z.number() });
export const stateSchema = z.object({ alice: z.string(), bob: z.string() });
