/**
 * Applies the project's patches to installed dependencies (patches/<name>+<version>.patch, a
 * unified diff with paths relative to the package's folder, `a/` and `b/` prefixes). Run by
 * scripts/postinstall.mjs after every `npm ci` / `npm install`, so a fresh machine gets the same
 * bytes as the machine that made the patch. Plain JavaScript and `git apply` (git is needed to get
 * the repository at all) rather than patch-package, which would be one more dependency.
 *
 * For each patch: the package must be installed at exactly that version (else the install fails
 * and says so: a patch written for another version is not applied blindly); a patch that is
 * already in place (its reverse applies) is left alone, so running twice is harmless; otherwise
 * it is checked, then applied, and a patch that does not apply fails the install.
 *
 * `git apply` runs in the package's own folder with GIT_CEILING_DIRECTORIES set to its parent, so
 * git does not find the enclosing repository (in a repository, `git apply` reads paths as
 * relative to the repository's root and silently skips those outside the current folder).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `@scope+name+1.2.3.patch` → { name: '@scope/name', version: '1.2.3' }. */
function parsePatchName(file) {
  const match = /^(.+)\+([^+]+)\.patch$/.exec(file);
  if (match === null) throw new Error(`patches/${file}: expected <package>+<version>.patch`);
  return { name: match[1].replaceAll('+', '/'), version: match[2] };
}

function gitApply(packageDir, patchFile, extra) {
  return spawnSync('git', ['apply', ...extra, patchFile], {
    cwd: packageDir,
    env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(packageDir) },
    encoding: 'utf8',
  });
}

/** Applies `root`/patches/*.patch to `root`/node_modules; answers the files it applied. */
export function applyPatches(root = projectRoot) {
  const patchDir = path.join(root, 'patches');
  if (!existsSync(patchDir)) return [];
  const applied = [];
  for (const file of readdirSync(patchDir).filter((f) => f.endsWith('.patch')).sort()) {
    const { name, version } = parsePatchName(file);
    const manifest = path.join(root, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) continue; // not installed (e.g. --omit=dev for a dev dependency)
    const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
    if (installed !== version) throw new Error(`patches/${file} is for ${name} ${version}, but ${installed} is installed: update the patch`);
    const packageDir = realpathSync(path.dirname(manifest));
    const patchFile = path.join(patchDir, file);
    if (gitApply(packageDir, patchFile, ['--check', '--reverse']).status === 0) continue; // already applied
    const check = gitApply(packageDir, patchFile, ['--check']);
    if (check.status !== 0) throw new Error(`patches/${file} does not apply to ${name} ${version}: ${check.stderr.trim()}`);
    const run = gitApply(packageDir, patchFile, []);
    if (run.status !== 0) throw new Error(`patches/${file} failed: ${run.stderr.trim()}`);
    applied.push(file);
  }
  return applied;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `node scripts/applyPatches.mjs [root]`: the root is for tests, which patch a copy.
  for (const file of applyPatches(process.argv[2])) process.stdout.write(`applied patches/${file}\n`);
}
