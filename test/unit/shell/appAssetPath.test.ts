import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppAsset } from '../../../electron/main/appAssetPath';
import { isAppUrl } from '../../../electron/main/appOrigin';
import { mimeTypeFor } from '../../../electron/main/mimeTypes';

const root = path.resolve('/opt/cairn/dist/renderer');

function served(url: string): string | undefined {
  const result = resolveAppAsset(url, root);
  return result.kind === 'file' ? result.filePath : undefined;
}

describe('app:// asset guard', () => {
  it('serves index.html for the app root and assets with their MIME types', () => {
    expect(resolveAppAsset('app://cairn/', root)).toEqual({
      kind: 'file',
      filePath: path.join(root, 'index.html'),
      mimeType: 'text/html; charset=utf-8',
    });
    expect(resolveAppAsset('app://cairn/assets/index-B2x_9kQ-.js?v=3#x', root)).toMatchObject({
      kind: 'file',
      filePath: path.join(root, 'assets', 'index-B2x_9kQ-.js'),
      mimeType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppAsset('app://cairn/assets/inter.woff2', root)).toMatchObject({ mimeType: 'font/woff2' });
    expect(resolveAppAsset('app://cairn/assets/logo.svg', root)).toMatchObject({ mimeType: 'image/svg+xml' });
  });

  it.each([
    'app://cairn/../secret.txt',
    'app://cairn/assets/../../etc/passwd',
    'app://cairn/%2e%2e/etc/passwd.txt',
    'app://cairn/%2E%2E/%2E%2E/etc/passwd.txt',
    'app://cairn/.%2e/x.js',
    'app://cairn/assets/..%2f..%2fx.js',
    'app://cairn/assets/%2e%2e%2f%2e%2e%2fx.js',
    'app://cairn/%252e%252e/x.js',
    'app://cairn/..\\..\\x.js',
    'app://cairn/assets%5c..%5cx.js',
    'app://cairn//etc/passwd.txt',
    'app://cairn/%2fetc/passwd.txt',
    'app://cairn/C:/Windows/win.ini',
    'app://cairn/index.html%00.png',
    'app://cairn/index.html\u0000.png',
    'app://cairn/%c0%ae%c0%ae/x.js',
    'app://cairn/.env',
    'app://cairn/./index.html',
  ])('refuses the traversal attempt %s', (url) => {
    expect(resolveAppAsset(url, root).kind).toBe('refused');
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://cairn/index.html',
    'app://evil/index.html',
    'app://cairn.evil.example/index.html',
    'app://user:pw@cairn/index.html',
    'app://cairn:8080/index.html',
    'app://cairn',
  ])('refuses %s, which is not the app origin', (url) => {
    expect(resolveAppAsset(url, root)).toMatchObject({ kind: 'refused', status: 403 });
  });

  it('refuses files of a type the renderer never ships, and absurdly long URLs', () => {
    expect(served('app://cairn/assets/tool.exe')).toBeUndefined();
    expect(served('app://cairn/assets/noextension')).toBeUndefined();
    expect(served(`app://cairn/${'a'.repeat(3000)}.js`)).toBeUndefined();
  });

  it('never resolves outside the renderer folder, whatever it accepts', () => {
    for (const url of ['app://cairn/a.js', 'app://cairn/deep/er/b.css', 'app://cairn/~x@1+2.png']) {
      const file = served(url);
      expect(file?.startsWith(`${root}${path.sep}`)).toBe(true);
    }
  });

  it('treats only exact app://cairn/ URLs as the app', () => {
    expect(isAppUrl('app://cairn/index.html')).toBe(true);
    expect(isAppUrl('app://cairnx/index.html')).toBe(false);
    expect(isAppUrl('app://cairn@evil/index.html')).toBe(false);
  });

  it('maps extensions case-insensitively and refuses unknown ones', () => {
    expect(mimeTypeFor('A.PNG')).toBe('image/png');
    expect(mimeTypeFor('x.wasm')).toBeUndefined();
    expect(mimeTypeFor('.hidden')).toBeUndefined();
  });
});
