/**
 * Where Electron's binary is, if it was downloaded. The electron package writes `path.txt`
 * (the executable's path inside `dist/`) only after a successful download, and its index.js
 * throws without it; the binary itself must also exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The binary inside an electron package folder, or undefined when it was never downloaded. */
export function electronBinaryIn(electronDir: string): string | undefined {
  try {
    const binary = path.join(electronDir, 'dist', readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** The binary of the electron package this repository installed (honours ELECTRON_OVERRIDE_DIST_PATH like electron does). */
export function electronBinary(): string | undefined {
  try {
    // The electron package exports the path of its binary; it throws when the download never happened.
    const binary: unknown = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
