/**
 * The project's postinstall. npm runs it after every install, including
 * `npm install --package-lock-only` (nothing is installed) and `--omit=dev` (neither tsx nor
 * electron is). Unless nothing was installed, it first applies patches/ to the installed
 * dependencies (applyPatches.mjs; ts-mls' commit speed, issue 15). Then it downloads Electron's binary if it can
 * (scripts/installElectron.ts, see electronInstall.ts for why npm does not run electron's own
 * script). Plain JavaScript, because tsx may be the thing that is missing.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { applyPatches } from './applyPatches.mjs';

const require = createRequire(import.meta.url);

function installed(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

const lockOnly = process.env.npm_config_package_lock_only === 'true';
if (!lockOnly) for (const file of applyPatches()) process.stdout.write(`applied patches/${file}\n`);
if (!lockOnly && installed('electron/package.json') && installed('tsx')) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/installElectron.ts', '--if-possible'], {
    cwd: new URL('..', import.meta.url),
    stdio: 'inherit',
  });
  process.exitCode = run.status ?? 1;
}
