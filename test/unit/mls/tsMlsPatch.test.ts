import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Hash } from 'ts-mls/crypto/hash.js';
import type { Kdf } from 'ts-mls/crypto/kdf.js';
import { createSecretTree } from 'ts-mls/secretTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { leafWidth, nodeWidth } from 'ts-mls/treemath.js';
import { loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import { joinWelcome, keyPackageOf, must, newDevice, user } from '../../fixtures/mls/mlsTestDevices';

/*
 * patches/ts-mls+1.6.4.patch (issue 15): a commit rehashes only the ratchet-tree nodes it
 * replaced, and the secret tree derives ratchets only at leaves. The results stay those of RFC
 * 9420 (rfc9420Vectors.test.ts, openMlsInterop.test.ts); these tests pin the work saved.
 */

/** The suite's hash, counting digests; a new object, so it starts with nothing remembered. */
function countingHash(hash: Hash): { hash: Hash; digests: () => number } {
  let digests = 0;
  return {
    hash: { digest: async (data) => (digests++, hash.digest(data)), mac: (key, data) => hash.mac(key, data), verifyMac: (key, mac, data) => hash.verifyMac(key, mac, data) },
    digests: () => digests,
  };
}

const MEMBERS = 24;

describe('ts-mls as patched for commit speed', () => {
  it('rehashes only the path a commit replaced, and gets the same tree hash as a full computation', async () => {
    const impl = must(await loadSuite(1)).impl;
    const devices = [];
    for (let i = 0; i <= MEMBERS; i++) devices.push(await newDevice(user(i + 1)));
    const [creator, updater, observer] = [devices[0], devices[1], devices[MEMBERS]];
    if (creator === undefined || updater === undefined || observer === undefined) throw new Error('devices missing');
    const packages: Uint8Array[] = [];
    for (const device of devices.slice(1)) packages.push(await keyPackageOf(device));
    const added = must(await creator.engine.addMembers(must(await creator.engine.createGroup(new TextEncoder().encode('patched'))), packages));
    let watched: MlsGroup = await joinWelcome(observer, added.welcome);
    const updating = await joinWelcome(updater, added.welcome);

    const before = watched.state.ratchetTree;
    const counted = countingHash(impl.hash);
    const full = await treeHashRoot(before, counted.hash);
    expect(counted.digests()).toBe(before.length);
    expect(Buffer.from(await treeHashRoot(before, counted.hash))).toEqual(Buffer.from(full));
    expect(counted.digests()).toBe(before.length);

    const update = must(await updater.engine.selfUpdate(updating));
    watched = must(await observer.engine.processMessage(watched, update.commit)).group;
    const after = watched.state.ratchetTree;
    const pathLength = Math.log2(leafWidth(after.length)) + 1;
    const incremental = await treeHashRoot(after, counted.hash);
    expect(counted.digests() - before.length).toBeLessThanOrEqual(pathLength);

    const fresh = countingHash(impl.hash);
    expect(Buffer.from(incremental)).toEqual(Buffer.from(await treeHashRoot(after, fresh.hash)));
    expect(fresh.digests()).toBe(after.length);
    expect(Buffer.from(incremental)).toEqual(Buffer.from(watched.state.groupContext.treeHash));
  });

  it('derives handshake and application ratchets at leaves only', async () => {
    const impl = must(await loadSuite(1)).impl;
    let expansions = 0;
    const kdf: Kdf = { ...impl.kdf, expand: async (prk, info, length) => (expansions++, impl.kdf.expand(prk, info, length)) };
    const leaves = 128;
    const tree = await createSecretTree(leaves, new Uint8Array(32).fill(7), kdf);
    expect(tree).toHaveLength(nodeWidth(leaves));
    // Two children per parent (every node but the root), then two ratchets per leaf.
    expect(expansions).toBe(nodeWidth(leaves) - 1 + 2 * leaves);
  });
});

describe('scripts/applyPatches.mjs', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'cairn-patches-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const repo = path.resolve(import.meta.dirname, '../../..');
  const patchFile = 'ts-mls+1.6.4.patch';

  function run(root: string) {
    return spawnSync(process.execPath, [path.join(repo, 'scripts', 'applyPatches.mjs'), root], { encoding: 'utf8' });
  }

  /** A project root holding the patches and a copy of the installed ts-mls with the patch taken out. */
  function unpatchedCopy(name: string): string {
    const root = path.join(scratch, name);
    mkdirSync(path.join(root, 'node_modules'), { recursive: true });
    cpSync(path.join(repo, 'patches'), path.join(root, 'patches'), { recursive: true });
    const copy = path.join(root, 'node_modules', 'ts-mls');
    cpSync(realpathSync(path.join(repo, 'node_modules', 'ts-mls')), copy, { recursive: true });
    const reverse = spawnSync('git', ['apply', '--reverse', path.join(root, 'patches', patchFile)], { cwd: copy, env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(copy) }, encoding: 'utf8' });
    expect(reverse.stderr).toBe('');
    return root;
  }

  it('applies the patch to a fresh install once, and leaves a patched install alone', () => {
    const root = unpatchedCopy('fresh');
    const treeHashFile = path.join(root, 'node_modules', 'ts-mls', 'dist', 'src', 'treeHash.js');
    expect(readFileSync(treeHashFile, 'utf8')).not.toContain('Cairn patch');
    expect(run(root).stdout).toBe(`applied patches/${patchFile}\n`);
    expect(readFileSync(treeHashFile, 'utf8')).toBe(readFileSync(path.join(repo, 'node_modules', 'ts-mls', 'dist', 'src', 'treeHash.js'), 'utf8'));
    const again = run(root);
    expect([again.status, again.stdout]).toEqual([0, '']);
  });

  it('fails the install when the installed version is not the one the patch was written for', () => {
    const root = unpatchedCopy('other-version');
    const manifest = path.join(root, 'node_modules', 'ts-mls', 'package.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"version": "1.6.4"', '"version": "1.6.5"'));
    const outcome = run(root);
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain('is for ts-mls 1.6.4, but 1.6.5 is installed');
  });
});
