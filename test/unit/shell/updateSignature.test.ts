import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UpdateCheck } from '../../../electron/main/updateSignature';
import { compareVersions, verifyDownloadedFile, verifyUpdateInfo } from '../../../electron/main/updateSignature';
import { publicKeyBase64, sha256Sums, signUpdateInfo, withSignatureField } from '../../../scripts/releaseSigner';

const release = generateKeyPairSync('ed25519').privateKey;
const stranger = generateKeyPairSync('ed25519').privateKey;
const PINNED = [publicKeyBase64(release)];

const installer = Buffer.from('the 1.3.0 installer');
const sha512 = (bytes: Buffer): string => createHash('sha512').update(bytes).digest('base64');

/** latest.yml as electron-updater parses it (yaml → object). */
const FILE = { url: 'Cairn-Setup-1.3.0.exe', sha512: sha512(installer), size: installer.length };
const metadata = {
  version: '1.3.0',
  files: [FILE],
  path: 'Cairn-Setup-1.3.0.exe',
  sha512: sha512(installer),
  releaseDate: '2026-12-07T12:00:00.000Z',
};
const signed = { ...metadata, cairnSignature: signUpdateInfo(metadata, release) };

function refusal(check: UpdateCheck): string {
  if (check.ok) throw new Error('expected a refusal');
  return check.code;
}

describe('update signature', () => {
  it('accepts a newer update signed with the pinned release key', () => {
    const check = verifyUpdateInfo(signed, PINNED, '1.2.9');
    expect(check.ok && check.update).toEqual({ version: '1.3.0', files: metadata.files });
  });

  it('accepts the downloaded file the statement signed, and refuses a tampered one', () => {
    const check = verifyUpdateInfo(signed, PINNED, '1.2.9');
    if (!check.ok) throw new Error(check.message);
    expect(verifyDownloadedFile(check.update, sha512(installer), installer.length).ok).toBe(true);
    const tampered = Buffer.from(installer);
    tampered.writeUInt8(tampered.readUInt8(0) ^ 1, 0);
    expect(refusal(verifyDownloadedFile(check.update, sha512(tampered), tampered.length))).toBe('update-file-mismatch');
  });

  it('refuses metadata changed after signing: another hash, another version, another file name', () => {
    const otherHash = { ...signed, files: [{ ...FILE, sha512: sha512(Buffer.from('malware')) }] };
    const otherVersion = { ...signed, version: '9.0.0' };
    const otherName = { ...signed, files: [{ ...FILE, url: 'Evil-Setup.exe' }] };
    for (const tampered of [otherHash, otherVersion, otherName]) expect(refusal(verifyUpdateInfo(tampered, PINNED, '1.2.9'))).toBe('update-signature-invalid');
  });

  it('refuses metadata signed by a key the app does not pin', () => {
    const foreign = { ...metadata, cairnSignature: signUpdateInfo(metadata, stranger) };
    expect(refusal(verifyUpdateInfo(foreign, PINNED, '1.2.9'))).toBe('update-key-unknown');
  });

  it('refuses a stranger’s signature presented under the pinned key’s id', () => {
    const forged = { ...metadata, cairnSignature: { keyId: signed.cairnSignature.keyId, signature: signUpdateInfo(metadata, stranger).signature } };
    expect(refusal(verifyUpdateInfo(forged, PINNED, '1.2.9'))).toBe('update-signature-invalid');
  });

  it('refuses unsigned metadata and a malformed signature', () => {
    expect(refusal(verifyUpdateInfo(metadata, PINNED, '1.2.9'))).toBe('update-signature-missing');
    expect(refusal(verifyUpdateInfo({ ...metadata, cairnSignature: 'abc' }, PINNED, '1.2.9'))).toBe('update-malformed');
  });

  it('refuses a correctly signed downgrade or the same version (an old release replayed)', () => {
    expect(refusal(verifyUpdateInfo(signed, PINNED, '1.3.0'))).toBe('update-not-newer');
    expect(refusal(verifyUpdateInfo(signed, PINNED, '2.0.0'))).toBe('update-not-newer');
    const check = verifyUpdateInfo(signed, PINNED, '2.0.0');
    expect(check.ok ? '' : check.message).toContain('1.3.0 offered, 2.0.0 installed');
  });

  it('refuses every update when no release key is built in', () => {
    expect(refusal(verifyUpdateInfo(signed, [], '1.2.9'))).toBe('update-no-release-key');
  });

  it('refuses metadata without files or with a hash that is not SHA-512', () => {
    expect(refusal(verifyUpdateInfo({ ...signed, files: [] }, PINNED, '1.2.9'))).toBe('update-malformed');
    expect(refusal(verifyUpdateInfo({ ...signed, files: [{ ...FILE, sha512: 'abc' }] }, PINNED, '1.2.9'))).toBe('update-malformed');
  });
});

describe('versions', () => {
  it('orders releases and pre-releases as semantic versions do', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.0.0-beta.2', '1.0.0-beta.10')).toBe(-1);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
  });
});

describe('release signing script', () => {
  it('appends the signature to latest.yml once, and refuses to sign a file twice', () => {
    const text = 'version: 1.3.0\nfiles:\n  - url: Cairn-Setup-1.3.0.exe\n';
    const once = withSignatureField(text, signed.cairnSignature);
    expect(once).toBe(`${text}cairnSignature:\n  keyId: ${signed.cairnSignature.keyId}\n  signature: ${signed.cairnSignature.signature}\n`);
    expect(() => withSignatureField(once, signed.cairnSignature)).toThrow('already has a cairnSignature');
  });

  it('writes SHA256SUMS in the form sha256sum -c reads, sorted by name', () => {
    expect(sha256Sums([{ name: 'b.deb', sha256: 'bb' }, { name: 'a.AppImage', sha256: 'aa' }])).toBe('aa  a.AppImage\nbb  b.deb\n');
  });
});
