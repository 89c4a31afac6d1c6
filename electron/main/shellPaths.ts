/**
 * Where the bundled files sit relative to dist/electron/main.cjs. The same layout holds in a
 * development checkout and inside app.asar, so one function serves both.
 */
import path from 'node:path';

export interface ShellPaths {
  readonly preload: string;
  readonly coreEntry: string;
  readonly rendererDir: string;
  /** The checkout's resources/ (in a packaged app electron-builder puts it in process.resourcesPath). */
  readonly checkoutResources: string;
}

export function shellPaths(bundleDir: string): ShellPaths {
  return {
    preload: path.join(bundleDir, 'preload.cjs'),
    coreEntry: path.join(bundleDir, 'core.cjs'),
    rendererDir: path.resolve(bundleDir, '..', 'renderer'),
    checkoutResources: path.resolve(bundleDir, '..', '..', 'resources'),
  };
}
