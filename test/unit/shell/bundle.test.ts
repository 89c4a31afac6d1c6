import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_MODULES, OPTIONAL_NATIVE_MODULES, REPO_ROOT, bundleElectron, electronBundles } from '../../../build/bundle';

/** Module names a CommonJS bundle loads at run time. */
function requiredModules(code: string): string[] {
  return [...new Set([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1] ?? ''))].sort();
}

describe('electron bundles', () => {
  let outDir = '';
  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'cairn-bundle-'));
    await bundleElectron(outDir);
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('give the sandboxed preload a single file that requires nothing but electron', async () => {
    const preload = await readFile(path.join(outDir, 'preload.cjs'), 'utf8');
    expect(requiredModules(preload)).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).not.toMatch(/\bimport\s*\(/);
  });

  it('keep zod and the contract out of the preload: it only forwards messages', async () => {
    const preload = await readFile(path.join(outDir, 'preload.cjs'), 'utf8');
    expect(preload.length).toBeLessThan(50_000);
  });

  it('build the core without electron and leave native modules to node_modules', async () => {
    const core = await readFile(path.join(outDir, 'core.cjs'), 'utf8');
    const modules = requiredModules(core);
    expect(modules).not.toContain('electron');
    for (const name of modules) {
      const isBuiltin = name.startsWith('node:') || builtinModules.includes(name);
      expect(isBuiltin || NATIVE_MODULES.includes(name) || OPTIONAL_NATIVE_MODULES.includes(name), name).toBe(true);
    }
  });

  it('build the shell with electron as its only non-Node import', async () => {
    const main = await readFile(path.join(outDir, 'main.cjs'), 'utf8');
    // electron-updater's dependencies require Node's modules without the node: prefix.
    const external = requiredModules(main).filter((name) => !name.startsWith('node:') && !builtinModules.includes(name));
    expect(external).toEqual(['electron']);
  });

  it('refuse to build a core that imports electron', async () => {
    const entry = path.join(outDir, 'badCore.ts');
    await writeFile(entry, "import { app } from 'electron';\nexport const name = app.name;\n");
    const options = electronBundles(outDir).core;
    await expect(build({ ...options, entryPoints: [entry], outfile: path.join(outDir, 'bad.cjs'), logLevel: 'silent' })).rejects.toThrow(
      /must not import electron/,
    );
  });

  it('resolve entry points from the repository root', () => {
    expect(electronBundles('/out').preload.absWorkingDir).toBe(REPO_ROOT);
  });
});
