import { getCiphers, getCurves, getHashes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_CRYPTO_ALGORITHMS, NODE_CRYPTO_FUNCTIONS, okpPublicKey, okpPublicKeyViaPkcs8, randomBytes } from '../../../electron/core/crypto/mls/nodeProvider/nodePrimitives';

/*
 * The MLS provider must run in Electron's utility process, on BoringSSL (README.md "node:crypto
 * in Electron"). These lists are the contract: using another node:crypto function or algorithm
 * is a conscious choice made here, in nodePrimitives.ts and in the README's table, never an
 * accident in some other file.
 */

const root = path.resolve(import.meta.dirname, '../../..');
const providerDir = path.join(root, 'electron/core/crypto/mls/nodeProvider');
const readme = path.join(root, 'electron/core/crypto/mls/README.md');

/** Value imports from node:crypto in a source text (type-only imports cannot call anything). */
function nodeCryptoImports(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'node:crypto'/g)) {
    if (match[1] !== undefined) continue;
    for (const part of (match[2] ?? '').split(',')) {
      const name = part.trim();
      if (name !== '' && !name.startsWith('type ')) names.push(name);
    }
  }
  return names;
}

describe('node:crypto primitives of the MLS provider', () => {
  it('are imported by nodePrimitives.ts alone, and exactly the listed ones', async () => {
    const files = (await readdir(providerDir)).filter((f) => f.endsWith('.ts'));
    const importing: string[] = [];
    for (const file of files) {
      const source = await readFile(path.join(providerDir, file), 'utf8');
      if (/from\s+'(node:)?crypto'/.test(source.replace(/import\s+type\s+\{[^}]*\}\s+from\s+'node:crypto';/g, ''))) importing.push(file);
      expect(source, `${file} must not import node:crypto as a namespace or by require`).not.toMatch(/import\s+\*\s+as\s+\w+\s+from\s+'(node:)?crypto'|require\('(node:)?crypto'\)/);
    }
    expect(importing).toEqual(['nodePrimitives.ts']);
    const imported = nodeCryptoImports(await readFile(path.join(providerDir, 'nodePrimitives.ts'), 'utf8')).sort();
    const listed = [...new Set(NODE_CRYPTO_FUNCTIONS.map((f) => f.split('.')[0] ?? f))].sort();
    expect(imported).toEqual(listed);
  });

  it('uses only listed algorithm names', async () => {
    const source = await readFile(path.join(providerDir, 'nodePrimitives.ts'), 'utf8');
    const quoted = new Set([...source.matchAll(/'((?:sha|aes-|chacha|prime|secp)[\w-]*)'/g)].map((m) => m[1]));
    const listed = new Set<string>([...NODE_CRYPTO_ALGORITHMS.hashes, ...NODE_CRYPTO_ALGORITHMS.ciphers, ...NODE_CRYPTO_ALGORITHMS.curves]);
    expect([...quoted].sort()).toEqual([...listed].sort());
  });

  it('are each named in the README table of what Electronʼs BoringSSL has', async () => {
    const text = await readFile(readme, 'utf8');
    const table = text.slice(text.indexOf('### node:crypto in Electron (BoringSSL)'));
    const algorithms = [...NODE_CRYPTO_ALGORITHMS.hashes, ...NODE_CRYPTO_ALGORITHMS.ciphers, ...NODE_CRYPTO_ALGORITHMS.curves, 'x25519', 'ed25519'];
    for (const name of [...NODE_CRYPTO_FUNCTIONS, ...algorithms]) expect(table, name).toContain(name);
  });

  it('import raw X25519 and Ed25519 private keys through JWK to the same keys as PKCS #8', () => {
    for (const type of ['x25519', 'ed25519'] as const) {
      for (let i = 0; i < 8; i++) {
        const secret = randomBytes(32);
        expect(okpPublicKey(type, secret)).toEqual(okpPublicKeyViaPkcs8(type, secret));
      }
    }
  });

  it('exist in this Node (OpenSSL): hashes, ciphers and curves', () => {
    expect(getHashes()).toEqual(expect.arrayContaining([...NODE_CRYPTO_ALGORITHMS.hashes]));
    expect(getCiphers()).toEqual(expect.arrayContaining([...NODE_CRYPTO_ALGORITHMS.ciphers]));
    expect(getCurves()).toEqual(expect.arrayContaining([...NODE_CRYPTO_ALGORITHMS.curves]));
  });
});
