import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../host/axe';
import type { TestHost } from '../host/testHost';
import { RENDERER_DIR, startTestHost } from '../host/testHost';
import { RENDERER_HEADERS } from '../host/headers';

type PageResult = { ok: boolean; value?: unknown; error?: { code: string; message: string } };
type PageCairn = { request: (channel: string, payload: unknown) => Promise<PageResult> };

let host: TestHost;
let dataRoot: string;

beforeAll(async () => {
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new Error('dist/renderer is missing: run `npm run build:renderer` first (npm test does).');
  }
  dataRoot = await mkdtemp(path.join(os.tmpdir(), 'cairn-e2e-'));
  host = await startTestHost({ headers: RENDERER_HEADERS });
});

afterAll(async () => {
  await host?.close();
  if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
});

describe('welcome screen through the test host', () => {
  it('shows the first screen with the version the core reports', async () => {
    const client = await host.launch({ dataDir: path.join(dataRoot, 'a') });
    const { page } = client;
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Cairn' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('app-version').textContent()).toBe('Cairn 0.1.0-test · protocol v1');
    await expect.poll(() => page.getByLabel('Server address').isVisible()).toBe(true);
    await client.close();
  });

  it('gets typed answers from the core through window.cairn, and error codes for bad requests', async () => {
    const client = await host.launch({ dataDir: path.join(dataRoot, 'b') });
    const answers = await client.page.evaluate(async () => {
      const cairn = (globalThis as unknown as { cairn: PageCairn }).cairn;
      return {
        ping: await cairn.request('app.ping', { nonce: 'hello' }),
        info: await cairn.request('app.info', {}),
        unknown: await cairn.request('no.such.channel', {}),
        malformed: await cairn.request('app.ping', { nonce: 12 }),
      };
    });
    expect(answers.ping).toMatchObject({ ok: true, value: { nonce: 'hello' } });
    expect(answers.info).toMatchObject({ ok: true, value: { name: 'Cairn', version: '0.1.0-test', apiVersion: 1 } });
    expect(answers.unknown).toMatchObject({ ok: false, error: { code: 'ipc-unknown-channel' } });
    expect(answers.malformed).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    // The core is still serving after the bad requests.
    const again = await client.page.evaluate(() =>
      (globalThis as unknown as { cairn: PageCairn }).cairn.request('app.ping', { nonce: 'still here' }),
    );
    expect(again).toMatchObject({ ok: true, value: { nonce: 'still here' } });
    await client.close();
  });

  it('runs under a CSP that blocks injected inline scripts', async () => {
    const client = await host.launch({ dataDir: path.join(dataRoot, 'c') });
    await expect.poll(() => client.page.getByRole('heading', { name: 'Welcome to Cairn' }).isVisible()).toBe(true);
    const outcome = await client.page.evaluate(async () => {
      type El = { textContent: string };
      const g = globalThis as unknown as {
        document: {
          createElement(t: string): El;
          body: { append(n: El): void };
          addEventListener(t: string, l: (e: { violatedDirective: string }) => void): void;
        };
        __inlineRan?: boolean;
      };
      const violation = new Promise<string>((resolve) =>
        g.document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective)),
      );
      const script = g.document.createElement('script');
      script.textContent = 'globalThis.__inlineRan = true';
      g.document.body.append(script);
      return { inlineRan: g.__inlineRan === true, directive: await violation };
    });
    expect(outcome).toEqual({ inlineRan: false, directive: 'script-src-elem' });
    await client.close();
  });

  it.each(['light', 'dark'] as const)('looks right and passes axe in %s mode', async (colorScheme) => {
    const client = await host.launch({ dataDir: path.join(dataRoot, `shot-${colorScheme}`), colorScheme });
    await expect.poll(() => client.page.getByRole('heading', { name: 'Welcome to Cairn' }).isVisible()).toBe(true);
    const background = await client.page.evaluate(
      () => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { body: unknown } }).getComputedStyle(
        (globalThis as unknown as { document: { body: unknown } }).document.body,
      ).backgroundColor,
    );
    // The theme follows the OS: a light page in light mode, a dark one in dark mode.
    const [r = 0, g = 0, b = 0] = (background.match(/\d+/g) ?? []).map(Number);
    const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    if (colorScheme === 'light') expect(luminance).toBeGreaterThan(0.8);
    else expect(luminance).toBeLessThan(0.2);
    expect(await seriousA11yViolations(client.page)).toEqual([]);
    const file = await client.screenshot(`welcome-${colorScheme}`);
    expect(existsSync(file)).toBe(true);
    await client.close();
  });
});
