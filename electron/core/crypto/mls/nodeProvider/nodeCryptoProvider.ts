import type { Ciphersuite, CiphersuiteImpl, CryptoProvider, Hash, Hpke, HpkeAlgorithm, Kdf, Rng } from 'ts-mls';
import { DependencyError } from 'ts-mls/mlsError.js';
import { makeDhKem } from './dhKem';
import type { HpkeKem } from './hpkeKem';
import { aeadSpec, kdfSpec, makeHpke } from './hpke';
import { extract, hashLength } from './labeledKdf';
import type { HashName } from './nodePrimitives';
import { digest, equalBytes, hkdfExpand, hmac, randomBytes } from './nodePrimitives';
import { makeSignature } from './signatures';
import { makeXWingKem } from './xWingKem';

/*
 * Cairn's crypto provider for ts-mls 1.6.4 (issue 15): every primitive on node:crypto, called
 * synchronously (the ts-mls interfaces are async, so results are returned as resolved promises),
 * except X-Wing's KEM, which stays @hpke/hybridkem-x-wing. Compared with ts-mls' default
 * (WebCrypto + @hpke/core + noble), a commit in a group of 100 costs a fraction of the time
 * (README.md "Measured here"); outputs are identical (RFC 9420 test vectors,
 * test/unit/mls/rfc9420Vectors.test.ts, and the OpenMLS interop tests).
 */

function hashName(algorithm: Ciphersuite['hash']): HashName {
  return algorithm === 'SHA-256' ? 'sha256' : algorithm === 'SHA-384' ? 'sha384' : 'sha512';
}

function makeHash(hash: HashName): Hash {
  return {
    digest: async (data) => digest(hash, data),
    mac: async (key, data) => hmac(hash, key, data),
    verifyMac: async (key, mac, data) => equalBytes(hmac(hash, key, data), mac),
  };
}

function makeKdf(hash: HashName): Kdf {
  return {
    extract: async (salt, ikm) => extract(hash, salt, ikm),
    expand: async (prk, info, length) => hkdfExpand(hash, prk, info, length),
    size: hashLength(hash),
  };
}

const rng: Rng = { randomBytes };

function makeKem(algorithm: HpkeAlgorithm['kem']): HpkeKem {
  switch (algorithm) {
    case 'DHKEM-X25519-HKDF-SHA256':
    case 'DHKEM-P256-HKDF-SHA256':
    case 'DHKEM-P384-HKDF-SHA384':
    case 'DHKEM-P521-HKDF-SHA512':
      return makeDhKem(algorithm);
    case 'X-Wing':
      return makeXWingKem();
    default:
      throw new DependencyError(`Cairn's node:crypto provider does not implement the KEM ${algorithm}.`);
  }
}

function makeSuiteHpke(algorithm: HpkeAlgorithm): Hpke {
  return makeHpke(makeKem(algorithm.kem), kdfSpec(algorithm.kdf), aeadSpec(algorithm.aead));
}

export const nodeCryptoProvider: CryptoProvider = {
  async getCiphersuiteImpl(cs) {
    const hash = hashName(cs.hash);
    const impl: CiphersuiteImpl = {
      hash: makeHash(hash),
      kdf: makeKdf(hash),
      hpke: makeSuiteHpke(cs.hpke),
      signature: makeSignature(cs.signature),
      rng,
      name: cs.name,
    };
    return impl;
  },
};

/**
 * Exercises every primitive a suite uses once (HPKE seal and open, AEAD, signature), so a runtime
 * that lacks one (Electron's BoringSSL has no ChaCha20-Poly1305, README.md) fails when the suite
 * is loaded, with the library's message, rather than on the first message of a conversation.
 */
export async function selfTest(impl: CiphersuiteImpl): Promise<void> {
  const probe = new TextEncoder().encode('cairn provider self-test');
  const keys = await impl.hpke.generateKeyPair();
  const sealed = await impl.hpke.seal(keys.publicKey, probe, probe, probe);
  const opened = await impl.hpke.open(keys.privateKey, sealed.enc, sealed.ct, probe, probe);
  const signer = await impl.signature.keygen();
  const signature = await impl.signature.sign(signer.signKey, probe);
  if (!equalBytes(opened, probe) || !(await impl.signature.verify(signer.publicKey, probe, signature))) {
    throw new DependencyError(`The crypto of ${impl.name} does not work in this runtime.`);
  }
}
