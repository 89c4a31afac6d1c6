import type { PrivateKey, PublicKey } from 'ts-mls';

export type KemKeyPair = { privateKey: PrivateKey; publicKey: PublicKey };

/** An RFC 9180 §4 KEM as the provider's HPKE uses it (keys are handles, see keyHandles.ts). */
export interface HpkeKem {
  /** KEM identifier (RFC 9180 §7.1, IANA HPKE registry). */
  readonly id: number;
  generateKeyPair(): Promise<KemKeyPair>;
  deriveKeyPair(ikm: Uint8Array): Promise<KemKeyPair>;
  importPublicKey(bytes: Uint8Array): Promise<PublicKey>;
  importPrivateKey(bytes: Uint8Array): Promise<PrivateKey>;
  exportPublicKey(key: PublicKey): Promise<Uint8Array>;
  exportPrivateKey(key: PrivateKey): Promise<Uint8Array>;
  encap(recipient: PublicKey): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }>;
  decap(enc: Uint8Array, recipient: PrivateKey): Promise<Uint8Array>;
}
