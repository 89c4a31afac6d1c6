import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { respondToAppRequest } from '../../../electron/main/appResponder';
import { buildContentSecurityPolicy } from '../../../electron/main/contentSecurityPolicy';

describe('app:// responses', () => {
  let base = '';
  let rendererDir = '';
  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cairn-app-scheme-'));
    rendererDir = path.join(base, 'renderer');
    await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Cairn</title>');
    await writeFile(path.join(rendererDir, 'assets', 'app-1.js'), 'console.log(1)');
    await writeFile(path.join(base, 'secret.txt'), 'not for the renderer');
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('serves the app page with its MIME type and the strict CSP', async () => {
    const response = await respondToAppRequest('GET', 'app://cairn/', rendererDir);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(buildContentSecurityPolicy());
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>Cairn</title>');
  });

  it('serves scripts as JavaScript so the browser runs them under nosniff', async () => {
    const response = await respondToAppRequest('GET', 'app://cairn/assets/app-1.js', rendererDir);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1)');
  });

  it('answers a missing file with 404 and still sends the policy', async () => {
    const response = await respondToAppRequest('GET', 'app://cairn/assets/missing.js', rendererDir);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(buildContentSecurityPolicy());
  });

  it('never serves a file beside the renderer folder, however the path is spelled', async () => {
    for (const url of ['app://cairn/../secret.txt', 'app://cairn/%2e%2e/secret.txt', 'app://cairn/..%5csecret.txt']) {
      const response = await respondToAppRequest('GET', url, rendererDir);
      expect(response.status, url).toBeGreaterThanOrEqual(400);
      expect(await response.text()).toBe('');
    }
  });

  it('refuses methods other than GET and HEAD, and sends no body for HEAD', async () => {
    expect((await respondToAppRequest('POST', 'app://cairn/', rendererDir)).status).toBe(405);
    const head = await respondToAppRequest('HEAD', 'app://cairn/', rendererDir);
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
