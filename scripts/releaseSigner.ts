/**
 * What scripts/signRelease.ts does to a release's files, as functions a test can call: sign the
 * update metadata with the release key (the statement electron/main/updateSignature.ts verifies),
 * and list every file's SHA-256 for SHA256SUMS (signed too, for people who check by hand).
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey, sign } from 'node:crypto';
import { SIGNATURE_FIELD, readUpdateInfo, releaseKeyId, updateStatement } from '../electron/main/updateSignature';

/** The raw 32-byte public key of an Ed25519 private key, in base64 (what releaseKeys.ts holds). */
export function publicKeyBase64(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('the release key must be an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

export type SignedMetadata = Readonly<{ keyId: string; signature: string }>;

/** Signs parsed update metadata (latest*.yml); throws when it has no version or files to sign. */
export function signUpdateInfo(info: unknown, privateKey: KeyObject): SignedMetadata {
  const update = readUpdateInfo(info);
  if (update === null) throw new Error('the update metadata has no version and files (sha512, size) to sign');
  const keyId = releaseKeyId(Buffer.from(publicKeyBase64(privateKey), 'base64'));
  return { keyId, signature: sign(null, updateStatement(update), privateKey).toString('base64') };
}

/**
 * The YAML text with the signature added as the last top-level field. Appending keeps every byte
 * electron-builder wrote; a file signed before has its old signature refused rather than doubled.
 */
export function withSignatureField(yamlText: string, signed: SignedMetadata): string {
  if (new RegExp(`^${SIGNATURE_FIELD}:`, 'm').test(yamlText)) throw new Error(`the file already has a ${SIGNATURE_FIELD}`);
  const body = yamlText.endsWith('\n') ? yamlText : `${yamlText}\n`;
  return `${body}${SIGNATURE_FIELD}:\n  keyId: ${signed.keyId}\n  signature: ${signed.signature}\n`;
}

/** SHA256SUMS as sha256sum(1) writes and checks it: `<hex>  <name>`, sorted by name. */
export function sha256Sums(files: ReadonlyArray<Readonly<{ name: string; sha256: string }>>): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((file) => `${file.sha256}  ${file.name}\n`)
    .join('');
}
