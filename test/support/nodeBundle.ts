import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../build/bundle';

/**
 * Bundles one of our entry points into a single ESM file for a plain Node process, the way the
 * shell bundles the core: our code in one file, npm packages loaded from the repository's
 * node_modules. A process then starts from JavaScript instead of compiling TypeScript again.
 */
export async function bundleNodeEntry(entry: string, outfile: string): Promise<string> {
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join(REPO_ROOT, entry)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}
