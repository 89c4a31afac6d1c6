import type { Prekey as ServerPrekey } from '../../../../protocol/api/clients';
import { LAST_RESORT_PREKEY_ID } from '../../../../protocol/api/clients';
import { missingCase } from '../../../../protocol/result';
import type { CborValue } from './cbor';
import { CborReader, cborMap, decodeCbor, encodeCbor } from './cbor';
import type { IdentityKeyPair } from './identity';
import { decodeIdentityKey, decodePublicKey, encodeIdentityKey, encodePublicKey } from './keyCodec';
import type { Prekey } from './prekeys';
import { SIGNATURE_BYTES, verifySignature } from './primitives';
import { ProteusFailure } from './proteusErrors';

/**
 * The public half of a prekey as another client claims it from the server (seed 002: "A public
 * prekey consists of the static, public identity key of a client together with an ephemeral
 * public DH key"). Wire's PreKeyBundle CBOR is
 * `{0: version 1, 1: prekey id, 2: PublicKey, 3: IdentityKey, 4: signature | null}`.
 *
 * We publish bundles without a signature, exactly as Wire's clients do (both proteus.js
 * `new PreKeyBundle(…)` and core-crypto's `proteusNewPrekey` write `null`). The two Wire
 * implementations encode a signature differently — proteus.js as bare bytes, Rust proteus as
 * `{0: bytes}` — and each rejects the other's, so a signed bundle would not be readable by every
 * Wire client. A signature adds nothing here: the handshake authenticates the peer through its
 * identity key (seed 002 NOTE: "This authenticates the key agreement without using a
 * signature"). Incoming signatures in either encoding are verified.
 */
export type BundleSignature = Readonly<{ bytes: Uint8Array; encoding: 'bytes' | 'map' }>;

export type PrekeyBundle = Readonly<{
  prekeyId: number;
  prekeyPublicKey: Uint8Array;
  identityPublicKey: Uint8Array;
  signature: BundleSignature | null;
}>;

const BUNDLE_VERSION = 1;

/** The bundle we publish for one of our prekeys. */
export function publicPrekeyBundle(identity: IdentityKeyPair, prekey: Prekey): PrekeyBundle {
  return {
    prekeyId: prekey.id,
    prekeyPublicKey: prekey.keyPair.publicKey,
    identityPublicKey: identity.keyPair.publicKey,
    signature: null,
  };
}

function encodeSignature(signature: BundleSignature | null): CborValue {
  if (signature === null) return null;
  switch (signature.encoding) {
    case 'bytes':
      return signature.bytes;
    case 'map':
      return cborMap([[0, signature.bytes]]);
    default:
      return missingCase(signature.encoding);
  }
}

export function encodePrekeyBundle(bundle: PrekeyBundle): Uint8Array {
  return encodeCbor(
    cborMap([
      [0, BUNDLE_VERSION],
      [1, bundle.prekeyId],
      [2, encodePublicKey(bundle.prekeyPublicKey)],
      [3, encodeIdentityKey(bundle.identityPublicKey)],
      [4, encodeSignature(bundle.signature)],
    ]),
  );
}

function decodeSignature(reader: CborReader): BundleSignature | null {
  if (reader.isNull(4)) return null;
  if (reader.isMap(4)) return { bytes: reader.nested(4).bytes(0, SIGNATURE_BYTES), encoding: 'map' };
  return { bytes: reader.bytes(4, SIGNATURE_BYTES), encoding: 'bytes' };
}

export function decodePrekeyBundle(bytes: Uint8Array): PrekeyBundle {
  const code = 'proteus-invalid-prekey-bundle';
  const reader = CborReader.of(decodeCbor(bytes, code), code);
  if (reader.uint(0, 0xff) !== BUNDLE_VERSION) throw new ProteusFailure(code);
  return {
    prekeyId: reader.uint(1, 0xffff),
    prekeyPublicKey: decodePublicKey(reader.nested(2)),
    identityPublicKey: decodeIdentityKey(reader.nested(3)),
    signature: decodeSignature(reader),
  };
}

/**
 * A signature, when a bundle carries one, must be the identity key's Ed25519 signature over the
 * prekey's Ed25519 public key (Wire's `PreKeyBundle.signed`); unsigned bundles are accepted.
 */
export function checkPrekeyBundleSignature(bundle: PrekeyBundle): void {
  if (bundle.signature === null) return;
  if (!verifySignature(bundle.signature.bytes, bundle.prekeyPublicKey, bundle.identityPublicKey)) {
    throw new ProteusFailure(
      'proteus-invalid-signature',
      'The prekey is not signed by the identity key it names. No session was created.',
    );
  }
}

/** One prekey in the server's JSON shape (`protocol/api/clients.ts` `PrekeySchema`). */
export function toServerPrekey(identity: IdentityKeyPair, prekey: Prekey): ServerPrekey {
  return {
    id: prekey.id,
    key: Buffer.from(encodePrekeyBundle(publicPrekeyBundle(identity, prekey))).toString('base64'),
  };
}

/**
 * Reads a prekey claimed from the server (`ClaimedPrekeySchema.prekey`), checking that the
 * bundle's own id matches the id the server announced. The signature is checked when a session
 * is made from it (`sessionFromPrekeyBundle`).
 */
export function fromServerPrekey(prekey: ServerPrekey): PrekeyBundle {
  const code = 'proteus-invalid-prekey-bundle';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(prekey.key)) throw new ProteusFailure(code);
  const bundle = decodePrekeyBundle(new Uint8Array(Buffer.from(prekey.key, 'base64')));
  if (bundle.prekeyId !== prekey.id || prekey.id > LAST_RESORT_PREKEY_ID) throw new ProteusFailure(code);
  return bundle;
}
