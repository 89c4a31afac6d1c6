import type { AeadAlgorithm, Hpke, KdfAlgorithm } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { missingCase } from '../../../../../protocol/result';
import type { HpkeKem } from './hpkeKem';
import { concat, hashLength, i2osp, labeledKdf } from './labeledKdf';
import type { AeadName, HashName } from './nodePrimitives';
import { aeadOpen, aeadSeal } from './nodePrimitives';

/*
 * HPKE base mode, single shot (RFC 9180 §5.1, §6.1, §5.3 Export), which is all MLS uses
 * (RFC 9420 §5.1.3 EncryptWithLabel, §12.4.3.2 external init). Only the KEM differs per suite.
 */

export type AeadSpec = Readonly<{ id: number; name: AeadName; keyLength: number; nonceLength: number }>;
export type KdfSpec = Readonly<{ id: number; hash: HashName }>;

export function aeadSpec(algorithm: AeadAlgorithm): AeadSpec {
  switch (algorithm) {
    case 'AES128GCM':
      return { id: 0x0001, name: 'aes-128-gcm', keyLength: 16, nonceLength: 12 };
    case 'AES256GCM':
      return { id: 0x0002, name: 'aes-256-gcm', keyLength: 32, nonceLength: 12 };
    case 'CHACHA20POLY1305':
      return { id: 0x0003, name: 'chacha20-poly1305', keyLength: 32, nonceLength: 12 };
    default:
      return missingCase(algorithm);
  }
}

export function kdfSpec(algorithm: KdfAlgorithm): KdfSpec {
  switch (algorithm) {
    case 'HKDF-SHA256':
      return { id: 0x0001, hash: 'sha256' };
    case 'HKDF-SHA384':
      return { id: 0x0002, hash: 'sha384' };
    case 'HKDF-SHA512':
      return { id: 0x0003, hash: 'sha512' };
    default:
      return missingCase(algorithm);
  }
}

type Context = Readonly<{ key: Uint8Array; baseNonce: Uint8Array; exporterSecret: Uint8Array }>;

const MODE_BASE = 0x00;

/** Library errors become ts-mls' CryptoError, as its own HPKE does. */
async function asCryptoError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new CryptoError(error instanceof Error ? error.message : String(error));
  }
}

export function makeHpke(kem: HpkeKem, kdf: KdfSpec, aead: AeadSpec): Hpke {
  const labeled = labeledKdf(kdf.hash, concat(new TextEncoder().encode('HPKE'), i2osp(kem.id, 2), i2osp(kdf.id, 2), i2osp(aead.id, 2)));
  const empty = new Uint8Array(0);
  const pskIdHash = labeled.labeledExtract(empty, 'psk_id_hash', empty);

  /** RFC 9180 §5.1 KeySchedule, mode_base with no PSK. */
  const keySchedule = (sharedSecret: Uint8Array, info: Uint8Array): Context => {
    const context = concat(Uint8Array.of(MODE_BASE), pskIdHash, labeled.labeledExtract(empty, 'info_hash', info));
    const secret = labeled.labeledExtract(sharedSecret, 'secret', empty);
    return {
      key: labeled.labeledExpand(secret, 'key', context, aead.keyLength),
      baseNonce: labeled.labeledExpand(secret, 'base_nonce', context, aead.nonceLength),
      exporterSecret: labeled.labeledExpand(secret, 'exp', context, hashLength(kdf.hash)),
    };
  };
  const exportFrom = (context: Context, exporterContext: Uint8Array, length: number) =>
    labeled.labeledExpand(context.exporterSecret, 'sec', exporterContext, length);

  return {
    async seal(publicKey, plaintext, info, aad) {
      const { sharedSecret, enc } = await kem.encap(publicKey);
      const context = keySchedule(sharedSecret, info);
      return { ct: aeadSeal(aead.name, context.key, context.baseNonce, aad ?? empty, plaintext), enc };
    },
    open(privateKey, kemOutput, ciphertext, info, aad) {
      return asCryptoError(async () => {
        const context = keySchedule(await kem.decap(kemOutput, privateKey), info);
        return aeadOpen(aead.name, context.key, context.baseNonce, aad ?? empty, ciphertext);
      });
    },
    async exportSecret(publicKey, exporterContext, length, info) {
      const { sharedSecret, enc } = await kem.encap(publicKey);
      return { enc, secret: exportFrom(keySchedule(sharedSecret, info), exporterContext, length) };
    },
    importSecret(privateKey, exporterContext, kemOutput, length, info) {
      return asCryptoError(async () => exportFrom(keySchedule(await kem.decap(kemOutput, privateKey), info), exporterContext, length));
    },
    importPrivateKey: (bytes) => asCryptoError(() => kem.importPrivateKey(bytes)),
    importPublicKey: (bytes) => asCryptoError(() => kem.importPublicKey(bytes)),
    exportPublicKey: (key) => kem.exportPublicKey(key),
    exportPrivateKey: (key) => kem.exportPrivateKey(key),
    async encryptAead(key, nonce, aad, plaintext) {
      return aeadSeal(aead.name, key, nonce, aad ?? empty, plaintext);
    },
    decryptAead(key, nonce, aad, ciphertext) {
      return asCryptoError(async () => aeadOpen(aead.name, key, nonce, aad ?? empty, ciphertext));
    },
    deriveKeyPair: (ikm) => kem.deriveKeyPair(ikm),
    generateKeyPair: () => kem.generateKeyPair(),
    keyLength: aead.keyLength,
    nonceLength: aead.nonceLength,
  };
}
