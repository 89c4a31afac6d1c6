import type { PrivateKey, PublicKey } from 'ts-mls';

/**
 * ts-mls types HPKE keys as WebCrypto `CryptoKey`s but only ever hands them back to the same
 * suite's HPKE. A KEM of this provider gives out inert handles of that shape and keeps the real
 * key material beside them (WeakMap: a handle and its material are freed together), so no key
 * needs converting to WebCrypto and nothing is cast.
 */
export class KeyHandles<PublicMaterial, PrivateMaterial> {
  readonly #publics = new WeakMap<PublicKey, PublicMaterial>();
  readonly #privates = new WeakMap<PrivateKey, PrivateMaterial>();

  constructor(private readonly algorithm: string) {}

  wrapPublic(material: PublicMaterial): PublicKey {
    const handle: PublicKey = Object.freeze({ type: 'public', algorithm: { name: this.algorithm }, extractable: true, usages: [] });
    this.#publics.set(handle, material);
    return handle;
  }

  wrapPrivate(material: PrivateMaterial): PrivateKey {
    const handle: PrivateKey = Object.freeze({ type: 'private', algorithm: { name: this.algorithm }, extractable: true, usages: [] });
    this.#privates.set(handle, material);
    return handle;
  }

  publicOf(handle: PublicKey): PublicMaterial {
    const material = this.#publics.get(handle);
    if (material === undefined) throw new TypeError(`${this.algorithm}: not a public key of this suite`);
    return material;
  }

  privateOf(handle: PrivateKey): PrivateMaterial {
    const material = this.#privates.get(handle);
    if (material === undefined) throw new TypeError(`${this.algorithm}: not a private key of this suite`);
    return material;
  }
}
