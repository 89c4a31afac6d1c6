import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO_ROOT } from '../../../build/bundle';
import { describeInstall, installElectron } from '../../../scripts/electronInstall';

/** A folder shaped like the electron package, whose install.js does what `script` says. */
async function fakeElectron(script: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cairn-electron-'));
  await writeFile(path.join(dir, 'install.js'), script);
  dirs.push(dir);
  return dir;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

// What electron 41's install.js does when the download fails: a stack on stderr, exit code 1.
const FAILING = `console.error('TypeError: fetch failed\\n    at node:internal/deps/undici/undici:1:1'); process.exit(1);`;
// What it does when the download works: the binary under dist/ and its path in path.txt.
const SUCCEEDING = `
  const fs = require('fs');
  fs.mkdirSync('dist');
  fs.writeFileSync('dist/electron', '');
  fs.writeFileSync('path.txt', 'electron');
`;
// What it does when ELECTRON_SKIP_BINARY_DOWNLOAD is set: nothing, exit code 0.
const SKIPPING = `process.exit(process.env.ELECTRON_SKIP_BINARY_DOWNLOAD ? 0 : 1);`;

describe('installing Electron’s binary after npm install', () => {
  it('reports a failed download with its reason and what still works, instead of failing', async () => {
    const result = await installElectron(await fakeElectron(FAILING), {});
    expect(result).toEqual({ kind: 'failed', reason: 'TypeError: fetch failed' });
    const message = describeInstall(result);
    expect(message).toContain('could not be downloaded: TypeError: fetch failed');
    expect(message).toContain('npm start');
    expect(message).toContain('npm run install:electron');
  });

  it('finds the binary the download put in place', async () => {
    const dir = await fakeElectron(SUCCEEDING);
    const result = await installElectron(dir, {});
    expect(result).toEqual({ kind: 'installed', binary: path.join(dir, 'dist', 'electron') });
    expect(describeInstall(result)).toContain('is installed');
  });

  it('says the download was skipped when ELECTRON_SKIP_BINARY_DOWNLOAD asked for it', async () => {
    const result = await installElectron(await fakeElectron(SKIPPING), { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(result).toEqual({ kind: 'skipped' });
    expect(describeInstall(result)).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD is set');
  });

  it('does not count an exit code of 0 as installed when no binary appeared', async () => {
    const result = await installElectron(await fakeElectron('process.exit(0);'), {});
    expect(result.kind).toBe('failed');
  });
});

describe('package.json install policy', () => {
  const PackageSchema = z.object({
    scripts: z.record(z.string(), z.string()),
    allowScripts: z.record(z.string(), z.boolean()),
    devEngines: z.object({ packageManager: z.object({ name: z.literal('npm'), version: z.string(), onFail: z.literal('error') }) }),
  });

  it('keeps npm from running electron’s own install script, which would roll back the whole install', async () => {
    const pkg = PackageSchema.parse(JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')));
    expect(pkg.allowScripts.electron).toBe(false);
    expect(Object.keys(pkg.allowScripts).filter((key) => key.startsWith('electron@'))).toEqual([]);
    expect(pkg.scripts.postinstall).toBe('node scripts/postinstall.mjs');
    // Denies are honoured from npm 11.19 on; older npm would run electron's script anyway.
    expect(pkg.devEngines.packageManager.version).toBe('>=11.19.0');
  });
});
