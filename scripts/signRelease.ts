/**
 * Signs a release with Cairn's release key (Ed25519), after electron-builder and before
 * publishing (.github/workflows/release.yml):
 *
 *   npx tsx scripts/signRelease.ts keygen <private-key-file>
 *     makes a new key pair; writes the private key (PKCS#8 PEM, mode 0600) to a file outside the
 *     repository and prints the public key for electron/main/releaseKeys.ts.
 *   CAIRN_RELEASE_KEY_FILE=<file> npx tsx scripts/signRelease.ts sign <dir>
 *     (or CAIRN_RELEASE_KEY with the PEM itself, as a CI secret) adds `cairnSignature` to every
 *     latest*.yml in <dir>, after checking that the files it names are there with the hash and size
 *     it states, then writes SHA256SUMS for every file and SHA256SUMS.sig (base64 Ed25519).
 *
 * The private key never enters the repository: keygen refuses a path inside it.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from '../build/bundle';
import { readUpdateInfo } from '../electron/main/updateSignature';
import { publicKeyBase64, sha256Sums, signUpdateInfo, withSignatureField } from './releaseSigner';

const require = createRequire(import.meta.url);

function fail(message: string): never {
  process.stderr.write(`signRelease: ${message}\n`);
  process.exit(1);
}

/** js-yaml comes with electron-updater (which parses these files the same way). */
function loadYaml(text: string): unknown {
  const yaml: unknown = require('js-yaml');
  const load: unknown = typeof yaml === 'object' && yaml !== null ? Reflect.get(yaml, 'load') : undefined;
  if (typeof load !== 'function') fail('js-yaml is not installed');
  const parsed: unknown = Reflect.apply(load, undefined, [text]);
  return parsed;
}

function keygen(target: string | undefined): void {
  if (!target) fail('usage: signRelease.ts keygen <private-key-file outside the repository>');
  const file = path.resolve(target);
  if (!path.relative(REPO_ROOT, file).startsWith('..')) fail('the private key must be written outside the repository');
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  process.stdout.write(`private key: ${file}\npublic key for electron/main/releaseKeys.ts: ${publicKeyBase64(privateKey)}\n`);
}

function releaseKey() {
  const pem = process.env.CAIRN_RELEASE_KEY ?? (process.env.CAIRN_RELEASE_KEY_FILE ? readFileSync(process.env.CAIRN_RELEASE_KEY_FILE, 'utf8') : undefined);
  if (!pem) fail('no release key: set CAIRN_RELEASE_KEY_FILE (a file) or CAIRN_RELEASE_KEY (the PEM)');
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') fail('the release key must be an Ed25519 private key');
  return key;
}

function digest(file: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64'): string {
  return createHash(algorithm).update(readFileSync(file)).digest(encoding);
}

function signDir(dir: string | undefined): void {
  if (!dir) fail('usage: signRelease.ts sign <directory with the installers and latest*.yml>');
  const key = releaseKey();
  const names = readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isFile() && !name.startsWith('SHA256SUMS'));
  const metadata = names.filter((name) => /^latest.*\.yml$/.test(name));
  if (metadata.length === 0) fail(`no latest*.yml in ${dir}`);
  for (const name of metadata) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const info = loadYaml(text);
    const update = readUpdateInfo(info);
    if (!update) fail(`${name} has no version and files to sign`);
    for (const file of update.files) {
      const local = path.join(dir, path.basename(file.url));
      if (!names.includes(path.basename(file.url))) fail(`${name} names ${file.url}, which is not in ${dir}`);
      if (statSync(local).size !== file.size || digest(local, 'sha512', 'base64') !== file.sha512) fail(`${file.url} does not match the hash or size in ${name}`);
    }
    writeFileSync(path.join(dir, name), withSignatureField(text, signUpdateInfo(info, key)));
    process.stdout.write(`signed ${name} (${update.version}, ${update.files.length} files)\n`);
  }
  const sums = sha256Sums(names.map((name) => ({ name, sha256: digest(path.join(dir, name), 'sha256', 'hex') })));
  writeFileSync(path.join(dir, 'SHA256SUMS'), sums);
  writeFileSync(path.join(dir, 'SHA256SUMS.sig'), `${sign(null, Buffer.from(sums), key).toString('base64')}\n`);
  process.stdout.write(`wrote SHA256SUMS and SHA256SUMS.sig for ${names.length} files\n`);
}

const [command, argument] = process.argv.slice(2);
if (command === 'keygen') keygen(argument);
else if (command === 'sign') signDir(argument);
else fail('usage: signRelease.ts keygen <file> | sign <dir>');
