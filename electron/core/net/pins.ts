import { createHash, X509Certificate } from 'node:crypto';

/** `sha256/<base64>` of the certificate's SubjectPublicKeyInfo (DER), as HPKP defined pins. */
export function spkiPinOfCertificate(certificateDer: Buffer): string {
  const spki = new X509Certificate(certificateDer).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}
