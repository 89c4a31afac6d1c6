import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../build/bundle';
import { resolveAppAsset } from '../../../electron/main/appAssetPath';
import { WINDOW_BACKGROUND } from '../../../electron/main/windowOptions';

const rendererDir = path.join(REPO_ROOT, 'dist', 'renderer');
const built = existsSync(path.join(rendererDir, 'index.html'));

describe('the built renderer under the app:// scheme', () => {
  // `npm test` builds the renderer before the unit tests; a bare `vitest` run may not have.
  it.skipIf(!built)('can serve every file Vite emitted, each with a MIME type', async () => {
    const files = (await readdir(rendererDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const relative = path.relative(rendererDir, path.join(file.parentPath, file.name)).split(path.sep).join('/');
      const result = resolveAppAsset(`app://cairn/${relative}`, rendererDir);
      expect(result, relative).toMatchObject({ kind: 'file', filePath: path.join(rendererDir, relative) });
    }
  });

  it.skipIf(!built)('loads only same-origin scripts and styles from index.html, as the CSP requires', async () => {
    const html = await readFile(path.join(rendererDir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style[\s>]/i);
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//i);
  });
});

describe('window background', () => {
  it('matches the renderer’s background in both themes, so opening the window shows no flash', async () => {
    const css = await readFile(path.join(REPO_ROOT, 'renderer', 'styles', 'global.css'), 'utf8');
    const light = /:root\s*\{[^}]*--bg:\s*(#[0-9a-f]{6})/i.exec(css)?.[1];
    const dark = /\[data-theme='dark'\]\s*\{[^}]*--bg:\s*(#[0-9a-f]{6})/i.exec(css)?.[1];
    expect(light?.toLowerCase()).toBe(WINDOW_BACKGROUND.light);
    expect(dark?.toLowerCase()).toBe(WINDOW_BACKGROUND.dark);
  });
});
