// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

export type TlsMaterial = Readonly<{ key: string; cert: string; pin: string }>;

/** `sha256/<base64>` of the leaf certificate's SubjectPublicKeyInfo — what clients pin. */
export function spkiPin(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

function toPem(der: ArrayBuffer, label: string): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

async function createSelfSigned(hosts: readonly string[]): Promise<{ key: string; cert: string }> {
  x509.cryptoProvider.set(webcrypto);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const names = hosts.map((host) =>
    /^[0-9.]+$/.test(host) || host.includes(':') ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host },
  );
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '7'),
    name: 'CN=Cairn server',
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * 365 * 24 * 3600 * 1000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { key: toPem(pkcs8, 'PRIVATE KEY'), cert: cert.toString('pem') };
}

/**
 * Loads the TLS key and certificate: operator-supplied files if given, otherwise the
 * self-signed pair in `DIR/tls/`, created on first start (ECDSA P-256) and reused afterwards so
 * that the pin clients were given stays valid.
 */
export async function loadTlsMaterial(
  dataDir: string,
  configured: Readonly<{ keyFile?: string; certFile?: string }>,
  hosts: readonly string[],
): Promise<TlsMaterial> {
  if (configured.keyFile !== undefined && configured.certFile !== undefined) {
    const [key, cert] = await Promise.all([readFile(configured.keyFile, 'utf8'), readFile(configured.certFile, 'utf8')]);
    return { key, cert, pin: spkiPin(cert) };
  }
  const directory = path.join(dataDir, 'tls');
  const keyFile = path.join(directory, 'key.pem');
  const certFile = path.join(directory, 'cert.pem');
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const created = await createSelfSigned(hosts);
    await writeFile(keyFile, created.key, { mode: 0o600 });
    await writeFile(certFile, created.cert, { mode: 0o644 });
  }
  const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
  return { key, cert, pin: spkiPin(cert) };
}

/**
 * The pins of the keys the server will present next, for clients to learn before a rotation:
 * `--next-pin` values, and the key of `DIR/tls/next-cert.pem` when the operator has put the next
 * certificate there. Duplicates and the current pin are left out.
 */
export async function loadNextPins(dataDir: string, configured: readonly string[], current: string): Promise<readonly string[]> {
  const nextCert = path.join(dataDir, 'tls', 'next-cert.pem');
  const fromFile = existsSync(nextCert) ? [spkiPin(await readFile(nextCert, 'utf8'))] : [];
  return [...new Set([...configured, ...fromFile])].filter((pin) => pin !== current);
}

/**
 * Seed 002 (Transport Encryption): "The backend only supports TLSv1.2 and TLSv1.3 as well as the
 * following ciphersuites: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256,
 * TLS_AES_256_GCM_SHA384" — exactly these, in OpenSSL's names. All are forward secret. TLS 1.2
 * therefore needs an ECDSA key (the self-signed key is P-256); with an RSA certificate only
 * TLS 1.3 connects.
 */
export const TLS_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'].join(':');
