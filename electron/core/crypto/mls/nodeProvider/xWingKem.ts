import { XWing } from '@hpke/hybridkem-x-wing';
import type { HpkeKem, KemKeyPair } from './hpkeKem';
import { KeyHandles } from './keyHandles';

/**
 * X-Wing (draft-connolly-cfrg-xwing-kem; ML-KEM-768 + X25519) as an HPKE KEM: the KEM itself is
 * `@hpke/hybridkem-x-wing`, the package Cairn used before this provider (its ML-KEM and SHA3 are
 * pure JavaScript, unaffected by BoringSSL); the HPKE key schedule and AEAD around it are ours.
 */
type XWingKey = Awaited<ReturnType<XWing['deserializePublicKey']>>;
type XWingKeyPair = Awaited<ReturnType<XWing['generateKeyPair']>>;

export function makeXWingKem(): HpkeKem {
  const kem = new XWing();
  const handles = new KeyHandles<XWingKey, XWingKey>('X-Wing');
  const pair = (keys: XWingKeyPair): KemKeyPair => ({ privateKey: handles.wrapPrivate(keys.privateKey), publicKey: handles.wrapPublic(keys.publicKey) });
  return {
    id: kem.id,
    generateKeyPair: async () => pair(await kem.generateKeyPair()),
    deriveKeyPair: async (ikm) => pair(await kem.deriveKeyPair(ikm)),
    importPublicKey: async (bytes) => handles.wrapPublic(await kem.deserializePublicKey(bytes)),
    importPrivateKey: async (bytes) => handles.wrapPrivate(await kem.deserializePrivateKey(bytes)),
    exportPublicKey: async (key) => new Uint8Array(await kem.serializePublicKey(handles.publicOf(key))),
    exportPrivateKey: async (key) => new Uint8Array(await kem.serializePrivateKey(handles.privateOf(key))),
    async encap(recipient) {
      const { sharedSecret, enc } = await kem.encap({ recipientPublicKey: handles.publicOf(recipient) });
      return { sharedSecret: new Uint8Array(sharedSecret), enc: new Uint8Array(enc) };
    },
    decap: async (enc, recipient) => new Uint8Array(await kem.decap({ enc, recipientKey: handles.privateOf(recipient) })),
  };
}
