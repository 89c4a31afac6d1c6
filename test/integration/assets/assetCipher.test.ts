import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decryptAssetBytes,
  decryptAssetFile,
  encryptAssetBytes,
  encryptAssetFile,
} from '../../../electron/core/crypto/assets/assetCipher';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-asset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('asset encryption (AES-256-CBC + SHA-256 of the ciphertext)', () => {
  it('round-trips a 12 MB file byte for byte, streaming, with progress', async () => {
    const plain = randomBytes(12 * 1024 * 1024 + 5);
    const source = path.join(dir, 'big.bin');
    await writeFile(source, plain);
    const progress: number[] = [];
    const sealed = await encryptAssetFile(source, path.join(dir, 'big.enc'), { onProgress: (done) => progress.push(done) });
    expect(sealed.plainSize).toBe(plain.length);
    // IV + PKCS#7 padding to the next 16-byte block.
    expect(sealed.cipherSize).toBe(16 + (Math.floor(plain.length / 16) + 1) * 16);
    expect(progress.at(-1)).toBe(plain.length);
    const cipherBytes = await readFile(path.join(dir, 'big.enc'));
    expect(sha(cipherBytes)).toBe(Buffer.from(sealed.sha256).toString('hex'));
    expect(cipherBytes.includes(plain.subarray(1000, 1064))).toBe(false);

    await decryptAssetFile(path.join(dir, 'big.enc'), path.join(dir, 'big.out'), sealed.key, sealed.sha256);
    expect(sha(await readFile(path.join(dir, 'big.out')))).toBe(sha(plain));
  });

  it('uses a fresh key and IV every time', () => {
    const plain = new TextEncoder().encode('same bytes');
    const a = encryptAssetBytes(plain);
    const b = encryptAssetBytes(plain);
    expect(Buffer.from(a.key).equals(Buffer.from(b.key))).toBe(false);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
    expect(new TextDecoder().decode(decryptAssetBytes(a.ciphertext, a.key, a.sha256))).toBe('same bytes');
  });

  it('refuses a tampered download before decrypting and leaves no output file', async () => {
    const source = path.join(dir, 'doc.txt');
    await writeFile(source, 'quarterly numbers '.repeat(1000));
    const sealed = await encryptAssetFile(source, path.join(dir, 'doc.enc'));
    const tampered = await readFile(path.join(dir, 'doc.enc'));
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 1;
    await writeFile(path.join(dir, 'doc.bad'), tampered);
    await expect(decryptAssetFile(path.join(dir, 'doc.bad'), path.join(dir, 'doc.out'), sealed.key, sealed.sha256)).rejects.toMatchObject({
      code: 'asset-hash-mismatch',
    });
    expect(existsSync(path.join(dir, 'doc.out'))).toBe(false);
    expect(existsSync(path.join(dir, 'doc.out.partial'))).toBe(false);
  });

  it('refuses a truncated download', async () => {
    const sealed = encryptAssetBytes(randomBytes(5000));
    const truncated = sealed.ciphertext.subarray(0, sealed.ciphertext.length - 16);
    expect(() => decryptAssetBytes(truncated, sealed.key, sealed.sha256)).toThrow(expect.objectContaining({ code: 'asset-hash-mismatch' }));
  });

  it('refuses malformed key material from a message without touching the disk', async () => {
    await expect(
      decryptAssetFile(path.join(dir, 'missing.enc'), path.join(dir, 'x.out'), new Uint8Array(16), new Uint8Array(32)),
    ).rejects.toMatchObject({ code: 'asset-bad-metadata' });
  });

  it('stops when cancelled and leaves no partial file', async () => {
    const source = path.join(dir, 'cancel.bin');
    await writeFile(source, randomBytes(8 * 1024 * 1024));
    const controller = new AbortController();
    const pending = encryptAssetFile(source, path.join(dir, 'cancel.enc'), {
      signal: controller.signal,
      onProgress: (done) => {
        if (done > 1024 * 1024) controller.abort();
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'asset-cancelled' });
    expect(existsSync(path.join(dir, 'cancel.enc'))).toBe(false);
    expect(existsSync(path.join(dir, 'cancel.enc.partial'))).toBe(false);
  });
});
