import type { Signature, SignatureAlgorithm } from 'ts-mls';
import { DependencyError } from 'ts-mls/mlsError.js';
import { missingCase } from '../../../../../protocol/result';
import type { HashName, NistCurve } from './nodePrimitives';
import { ecGenerate, ecdsaSign, ecdsaVerify, ed25519Sign, ed25519Verify, okpPublicKey, randomBytes } from './nodePrimitives';

/*
 * MLS signature schemes (RFC 9420 §5.1.2) on node:crypto.
 * - Ed25519: private keys are the RFC 8032 32-byte seed. ts-mls' WebCrypto provider stored
 *   PKCS #8 (48 bytes); signers created before this provider keep working.
 * - ECDSA: private keys are the big-endian scalar, public keys the SEC1 uncompressed point
 *   (RFC 9420 §5.1.1), signatures DER. ts-mls' noble provider wrote compressed points (33 bytes
 *   for P-256); those still verify, so do the signatures made with them.
 * A verification that cannot even parse its key or signature is a failed verification.
 */

const ED25519_PKCS8_LENGTH = 48;

function ed25519Seed(signKey: Uint8Array): Uint8Array {
  return signKey.length === ED25519_PKCS8_LENGTH ? signKey.subarray(ED25519_PKCS8_LENGTH - 32) : signKey;
}

function verifying(check: () => boolean): Promise<boolean> {
  try {
    return Promise.resolve(check());
  } catch {
    return Promise.resolve(false);
  }
}

function ecdsa(curve: NistCurve, hash: HashName): Signature {
  return {
    sign: async (signKey, message) => ecdsaSign(curve, hash, signKey, message),
    verify: (publicKey, message, signature) => verifying(() => ecdsaVerify(curve, hash, publicKey, message, signature)),
    async keygen() {
      const { secret, publicKey } = ecGenerate(curve);
      return { signKey: secret, publicKey };
    },
  };
}

export function makeSignature(algorithm: SignatureAlgorithm): Signature {
  switch (algorithm) {
    case 'Ed25519':
      return {
        sign: async (signKey, message) => ed25519Sign(ed25519Seed(signKey), message),
        verify: (publicKey, message, signature) => verifying(() => ed25519Verify(publicKey, message, signature)),
        async keygen() {
          const signKey = randomBytes(32);
          return { signKey, publicKey: okpPublicKey('ed25519', signKey) };
        },
      };
    case 'P256':
      return ecdsa('prime256v1', 'sha256');
    case 'P384':
      return ecdsa('secp384r1', 'sha384');
    case 'P521':
      return ecdsa('secp521r1', 'sha512');
    case 'Ed448':
    case 'ML-DSA-87':
      throw new DependencyError(`Cairn's node:crypto provider does not implement ${algorithm}.`);
    default:
      return missingCase(algorithm);
  }
}
