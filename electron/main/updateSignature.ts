/**
 * Cairn's own signature on updates, on top of the OS's (Authenticode, Apple notarisation) and
 * electron-updater's SHA-512 check: an update is applied only if its metadata (`latest*.yml`)
 * carries an Ed25519 signature (seed 002 uses Ed25519, RFC 8032, for every signature) made with a
 * release key whose public half is built into the app (RELEASE_PUBLIC_KEYS), as Signal does.
 * The signed statement names the version and each file's SHA-512 and size, so:
 * - changed metadata (another version, another file, another hash) fails the signature;
 * - a changed file fails the hash, which electron-updater checks while downloading and we check
 *   again on the downloaded file before it is installed (verifyDownloadedFile);
 * - an old, correctly signed release served again is refused as a downgrade.
 * scripts/signRelease.ts makes the signature with the private key, which never enters the repo.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';

/** The first line of every signed statement: a signature for anything else never verifies here. */
export const UPDATE_STATEMENT_HEADER = 'cairn-update-signature-v1';

/** The field scripts/signRelease.ts adds to latest*.yml; electron-updater passes unknown fields through. */
export const SIGNATURE_FIELD = 'cairnSignature';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const BASE64_SHA512 = /^[A-Za-z0-9+/]{86}==$/;

const UpdateFileSchema = z.object({
  // A file name or relative path, one line: the statement is line-based.
  url: z.string().min(1).max(1024).regex(/^\P{Cc}+$/u),
  sha512: z.string().regex(BASE64_SHA512),
  size: z.number().int().positive(),
});

const SignatureSchema = z.object({ keyId: z.string().regex(/^[0-9a-f]{16}$/), signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/) }).strict();

const UpdateInfoSchema = z.object({
  version: z.string().regex(SEMVER),
  files: z.array(UpdateFileSchema).min(1).max(64),
});

export type UpdateFile = z.infer<typeof UpdateFileSchema>;
export type SignedUpdate = Readonly<{ version: string; files: readonly UpdateFile[] }>;

export type UpdateRefusalCode =
  | 'update-no-release-key'
  | 'update-malformed'
  | 'update-signature-missing'
  | 'update-key-unknown'
  | 'update-signature-invalid'
  | 'update-not-newer'
  | 'update-file-mismatch';

export type UpdateCheck = Readonly<{ ok: true; update: SignedUpdate }> | Readonly<{ ok: false; code: UpdateRefusalCode; message: string }>;

const MESSAGES: Readonly<Record<UpdateRefusalCode, string>> = {
  'update-no-release-key': 'This copy of Cairn has no release key built in, so it cannot check updates and installs none.',
  'update-malformed': 'The update’s description could not be read. Nothing was installed.',
  'update-signature-missing': 'The update is not signed by Cairn’s release key. Nothing was installed.',
  'update-key-unknown': 'The update is signed with a key this copy of Cairn does not trust. Nothing was installed.',
  'update-signature-invalid': 'The update’s signature does not match its contents: it may have been tampered with. Nothing was installed.',
  'update-not-newer': 'The update offered is not newer than the installed version. Nothing was installed.',
  'update-file-mismatch': 'The downloaded update is not the file Cairn’s release key signed. It was not installed.',
};

function refuse(code: UpdateRefusalCode, detail?: string): UpdateCheck {
  return { ok: false, code, message: detail ? `${MESSAGES[code]} (${detail})` : MESSAGES[code] };
}

/** The version and files of update metadata, without the signature; `null` when they are not there. */
export function readUpdateInfo(info: unknown): SignedUpdate | null {
  const parsed = UpdateInfoSchema.safeParse(info);
  return parsed.success ? { version: parsed.data.version, files: parsed.data.files.map(({ url, sha512, size }) => ({ url, sha512, size })) } : null;
}

/** The exact bytes the release key signs; the signer and the verifier build it with this one function. */
export function updateStatement(update: SignedUpdate): Buffer {
  const lines = [UPDATE_STATEMENT_HEADER, `version ${update.version}`, ...update.files.map((file) => `file ${file.sha512} ${file.size} ${file.url}`)];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** A short id for a raw 32-byte Ed25519 public key: the first 8 bytes of its SHA-256, in hex. */
export function releaseKeyId(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

/** -1, 0 or 1 as semantic versions compare (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (!pa || !pb) throw new Error(`not a version: ${pa ? b : a}`);
  for (let i = 1; i <= 3; i++) {
    const diff = Number(pa[i]) - Number(pb[i]);
    if (diff !== 0) return Math.sign(diff);
  }
  const [preA, preB] = [pa[4], pb[4]];
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const [idsA, idsB] = [preA.split('.'), preB.split('.')];
  for (let i = 0; i < Math.max(idsA.length, idsB.length); i++) {
    const [x, y] = [idsA[i], idsB[i]];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    const diff = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

function ed25519Key(raw: string) {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length !== 32) throw new Error('a release public key is 32 bytes, in base64');
  return { bytes, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' }) };
}

/**
 * Checks update metadata as electron-updater parsed it (`unknown` until checked) against the
 * pinned release keys (base64, raw 32 bytes) and the installed version. Accepts only a newer
 * version whose statement verifies under one of the keys.
 */
export function verifyUpdateInfo(info: unknown, trustedKeys: readonly string[], currentVersion: string): UpdateCheck {
  if (trustedKeys.length === 0) return refuse('update-no-release-key');
  const parsed = UpdateInfoSchema.safeParse(info);
  if (!parsed.success) return refuse('update-malformed', parsed.error.issues[0]?.message);
  const raw: unknown = typeof info === 'object' && info !== null ? Reflect.get(info, SIGNATURE_FIELD) : undefined;
  if (raw === undefined || raw === null) return refuse('update-signature-missing');
  const signature = SignatureSchema.safeParse(raw);
  if (!signature.success) return refuse('update-malformed', `${SIGNATURE_FIELD} is not a signature`);
  const key = trustedKeys.map(ed25519Key).find((candidate) => releaseKeyId(candidate.bytes) === signature.data.keyId);
  if (!key) return refuse('update-key-unknown', `key ${signature.data.keyId}`);
  const update: SignedUpdate = { version: parsed.data.version, files: parsed.data.files.map(({ url, sha512, size }) => ({ url, sha512, size })) };
  if (!verify(null, updateStatement(update), key.key, Buffer.from(signature.data.signature, 'base64'))) return refuse('update-signature-invalid');
  // After the signature: a downgrade is refused even when correctly signed (an old release replayed).
  if (compareVersions(update.version, currentVersion) <= 0) return refuse('update-not-newer', `${update.version} offered, ${currentVersion} installed`);
  return { ok: true, update };
}

/** The downloaded file must be one the statement signed: its SHA-512 (base64) and size match a signed file's. */
export function verifyDownloadedFile(update: SignedUpdate, sha512: string, size: number): UpdateCheck {
  return update.files.some((file) => file.sha512 === sha512 && file.size === size) ? { ok: true, update } : refuse('update-file-mismatch');
}
