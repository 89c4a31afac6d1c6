/**
 * Bundles the Electron side into three CommonJS files under dist/electron:
 * - main.cjs: the shell (Electron main process);
 * - preload.cjs: the sandboxed preload — a sandboxed preload can `require` only a few
 *   Electron modules, so it must be one self-contained file whose only import is `electron`;
 * - core.cjs: the core for Electron's utility process. Native modules stay external (they
 *   are loaded from app.asar.unpacked), and an import of `electron` fails the build, because
 *   the core must never depend on it (ARCHITECTURE.md).
 *
 * Run with `npm run build:electron`. Tests import `electronBundles` to build into a
 * temporary folder.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';
import { build } from 'esbuild';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Loaded at run time from node_modules (app.asar.unpacked when packaged), never bundled. */
export const NATIVE_MODULES: readonly string[] = ['better-sqlite3-multiple-ciphers', 'keytar'];
/**
 * Optional native speed-ups that `ws` (the core's WebSocket client) requires inside try/catch.
 * They are not installed; left external, the require fails quietly and ws uses plain JS.
 */
export const OPTIONAL_NATIVE_MODULES: readonly string[] = ['bufferutil', 'utf-8-validate'];

export type BundleName = 'main' | 'preload' | 'core';

/** CommonJS has no `import.meta.url`; bundled ESM dependencies get the file's own URL. */
const importMetaUrlShim: Pick<BuildOptions, 'banner' | 'define'> = {
  banner: { js: 'const __cairn_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__cairn_import_meta_url' },
};

/** Fails the build when a bundle that must not use Electron imports it. */
function forbidElectron(bundle: string): Plugin {
  return {
    name: 'forbid-electron',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^electron(\/.*)?$/ }, (args) => ({
        errors: [{ text: `${bundle} must not import electron (imported from ${args.importer})` }],
      }));
    },
  };
}

/** esbuild options for each bundle; `outDir` is dist/electron in a real build. */
export function electronBundles(outDir: string): Readonly<Record<BundleName, BuildOptions>> {
  const common: BuildOptions = {
    absWorkingDir: REPO_ROOT,
    bundle: true,
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'linked',
    minify: false,
  };
  return {
    main: {
      ...common,
      ...importMetaUrlShim,
      entryPoints: ['electron/main/main.ts'],
      outfile: path.join(outDir, 'main.cjs'),
      platform: 'node',
      target: 'node22',
      external: ['electron', ...NATIVE_MODULES],
    },
    preload: {
      ...common,
      entryPoints: ['electron/preload/preload.ts'],
      outfile: path.join(outDir, 'preload.cjs'),
      // A sandboxed preload is a browser context with `require('electron')` and little else.
      platform: 'browser',
      target: 'chrome130',
      external: ['electron'],
    },
    core: {
      ...common,
      ...importMetaUrlShim,
      entryPoints: ['electron/core/hosts/utilityProcess.ts'],
      outfile: path.join(outDir, 'core.cjs'),
      platform: 'node',
      target: 'node22',
      external: [...NATIVE_MODULES, ...OPTIONAL_NATIVE_MODULES],
      plugins: [forbidElectron('the core')],
    },
  };
}

export async function bundleElectron(outDir = path.join(REPO_ROOT, 'dist', 'electron')): Promise<void> {
  const bundles = electronBundles(outDir);
  await Promise.all(Object.values(bundles).map((options) => build(options)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  bundleElectron().then(
    () => process.stdout.write(`Electron bundles written to dist/electron in ${Date.now() - started} ms\n`),
    (error: unknown) => {
      process.stderr.write(`bundling failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
