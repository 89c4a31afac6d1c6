/**
 * `npm run install:electron` and the project's postinstall: downloads Electron's binary through
 * the electron package's own install.js (see electronInstall.ts for why npm does not run it).
 * With `--if-possible` (the postinstall) a missing binary is reported and the install goes on.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { describeInstall, installElectron } from './electronInstall';

async function main(): Promise<void> {
  const ifPossible = process.argv.includes('--if-possible');
  const electronDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const result = await installElectron(electronDir);
  process.stdout.write(`\n${describeInstall(result)}\n\n`);
  if (result.kind !== 'installed' && !ifPossible) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`install:electron failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
