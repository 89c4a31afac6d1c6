/**
 * Downloads Electron's binary after `npm install`, and lets the install succeed when it cannot.
 *
 * Why this exists: electron's own postinstall (`node install.js` in the electron package) fails
 * when the binary cannot be fetched, and npm then rolls back the whole install, leaving no
 * `node_modules` at all. Nothing in a project's `.npmrc` can stop that: install.js only reads
 * the environment variable ELECTRON_SKIP_BINARY_DOWNLOAD, while `.npmrc` keys reach scripts as
 * `npm_config_*`. And electron cannot be an optional dependency (npm would delete the package,
 * and with it `electron.d.ts`, which the shell's typecheck needs; electron-builder also refuses
 * electron outside devDependencies). So package.json's `allowScripts` denies electron's script
 * (npm 11.19+ honours a deny; `devEngines` asks for it) and the project's postinstall runs that
 * same install.js here, where a failure is reported in plain words instead of aborting npm.
 *
 * `npm run install:electron` (scripts/installElectron.ts) runs it again later; that run fails when
 * the binary is still missing, while the postinstall (`--if-possible`) lets the install finish.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { missingCase } from '../protocol/result';
import { electronBinaryIn } from './electronBinary';

/** What became of Electron's binary. */
export type ElectronInstall =
  | Readonly<{ kind: 'installed'; binary: string }>
  | Readonly<{ kind: 'skipped' }>
  | Readonly<{ kind: 'failed'; reason: string }>;

/**
 * Runs the electron package's own install.js (same download, cache, mirror settings and
 * checksums as npm would have run) and reports whether the binary is there afterwards.
 */
export async function installElectron(electronDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ElectronInstall> {
  const { code, stderr } = await runNode(path.join(electronDir, 'install.js'), electronDir, env);
  const binary = electronBinaryIn(electronDir);
  if (binary) return { kind: 'installed', binary };
  if (code === 0 && env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { kind: 'skipped' };
  return { kind: 'failed', reason: firstErrorLine(stderr) ?? `install.js exited with code ${code}` };
}

/** The message for the person running `npm install`; plain words and what to do next. */
export function describeInstall(result: ElectronInstall): string {
  const fallback =
    'Everything else is installed. `npm start` opens Cairn in Chromium through the dev host instead,\n' +
    'and the tests and the typecheck do not need the binary.\n' +
    'To download it later: npm run install:electron';
  switch (result.kind) {
    case 'installed':
      return `Electron's binary is installed (${result.binary}).`;
    case 'skipped':
      return `Electron's binary was not downloaded: ELECTRON_SKIP_BINARY_DOWNLOAD is set.\n${fallback}`;
    case 'failed':
      return `Electron's binary could not be downloaded: ${result.reason}\n${fallback}`;
    default:
      return missingCase(result);
  }
}

function runNode(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Readonly<{ code: number; stderr: string }>> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', (error) => resolve({ code: 1, stderr: error.message }));
    child.once('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/** install.js prints a stack; its first line ("TypeError: fetch failed", "HTTPError: 404 …") says enough. */
function firstErrorLine(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.length > 0 && !line.startsWith('at '));
}
