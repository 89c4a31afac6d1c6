import type { Prekey as ServerPrekey } from '../../../../protocol/api/clients';
import type { IdentityKeyPair } from './identity';
import { decodeIdentityKeyPair, encodeIdentityKeyPair, fingerprintOf, generateIdentityKeyPair } from './identity';
import type { EnvelopeSummary } from './messageCodec';
import { summariseEnvelope } from './messageCodec';
import { fromServerPrekey, toServerPrekey } from './prekeyBundle';
import type { Prekey, PrekeyRefillPlan } from './prekeys';
import {
  LAST_RESORT_PREKEY_ID,
  decodePrekey,
  encodePrekey,
  generateLastResortPrekey,
  generatePrekeys,
  planPrekeyRefill,
} from './prekeys';
import { loadPrimitives } from './primitives';
import type { ProteusResult } from './proteusErrors';
import { ProteusFailure, guarded } from './proteusErrors';
import type { Decrypted, Encrypted, PrekeyLookup, Session } from './session';
import { decryptWithSession, encryptWithSession, sessionFromPrekeyBundle } from './session';
import { decodeSession, encodeSession } from './sessionCodec';

/**
 * The Proteus operations the core calls. Every function is pure with respect to its inputs
 * (new sessions are returned, never mutated in place) so the core can store the new session,
 * the consumed prekey and the message in one DB transaction, and returns a `ProteusResult`:
 * nothing here throws across this interface, whatever bytes arrive.
 */
export type ClientRegistrationPrekeys = Readonly<{ prekeys: ServerPrekey[]; lastPrekey: ServerPrekey }>;

export type DecryptRequest = Readonly<{
  identity: IdentityKeyPair;
  /** The stored session with the sender's client, or null when there is none. */
  session: Session | null;
  envelope: Uint8Array;
  /** Synchronous read of one of our private prekeys by id, from the core's DB. */
  loadPrekey: PrekeyLookup;
}>;

export type ProteusApi = Readonly<{
  generateIdentity(): ProteusResult<IdentityKeyPair>;
  encodeIdentity(identity: IdentityKeyPair): ProteusResult<Uint8Array>;
  decodeIdentity(bytes: Uint8Array): ProteusResult<IdentityKeyPair>;
  /** Lowercase hex of an Ed25519 identity public key (seed 002: compared manually). */
  fingerprint(identityPublicKey: Uint8Array): string;
  /** One-time prekeys with ids startId, startId+1, … wrapping within 0..65534. */
  generatePrekeys(startId: number, count: number): ProteusResult<Prekey[]>;
  generateLastResortPrekey(): ProteusResult<Prekey>;
  /** Pure policy: how many prekeys to upload so the server holds 100 unused (seed 002). */
  planPrekeyRefill(unusedOnServer: number, nextStartId: number): PrekeyRefillPlan;
  encodePrekey(prekey: Prekey): ProteusResult<Uint8Array>;
  decodePrekey(bytes: Uint8Array): ProteusResult<Prekey>;
  /** `{id, key}` for `POST /clients/…/prekeys`: key = base64 of Wire's PreKeyBundle CBOR. */
  serverPrekey(identity: IdentityKeyPair, prekey: Prekey): ProteusResult<ServerPrekey>;
  /** The `prekeys` and `lastPrekey` fields of `POST /clients` (`NewClientRequestSchema`). */
  clientRegistrationPrekeys(
    identity: IdentityKeyPair,
    prekeys: readonly Prekey[],
    lastResort: Prekey,
  ): ProteusResult<ClientRegistrationPrekeys>;
  /** A new session from a prekey claimed from the server (`ClaimedPrekeySchema.prekey`). */
  sessionFromClaimedPrekey(identity: IdentityKeyPair, claimed: ServerPrekey): ProteusResult<Session>;
  encrypt(session: Session, plaintext: Uint8Array): ProteusResult<Encrypted>;
  decrypt(request: DecryptRequest): ProteusResult<Decrypted>;
  /**
   * Unauthenticated look at an envelope: its kind, and for a prekey message the sender's
   * identity key and prekey id — e.g. to show the new fingerprint after
   * `proteus-remote-identity-changed`, before the user accepts it.
   */
  inspectEnvelope(envelope: Uint8Array): ProteusResult<EnvelopeSummary>;
  encodeSession(session: Session): ProteusResult<Uint8Array>;
  decodeSession(identity: IdentityKeyPair, bytes: Uint8Array): ProteusResult<Session>;
}>;

function registrationPrekeys(
  identity: IdentityKeyPair,
  prekeys: readonly Prekey[],
  lastResort: Prekey,
): ClientRegistrationPrekeys {
  if (lastResort.id !== LAST_RESORT_PREKEY_ID || prekeys.some((p) => p.id === LAST_RESORT_PREKEY_ID)) {
    throw new ProteusFailure('proteus-invalid-argument', 'Only the last-resort prekey may have id 65535.');
  }
  return {
    prekeys: prekeys.map((p) => toServerPrekey(identity, p)),
    lastPrekey: toServerPrekey(identity, lastResort),
  };
}

const api: ProteusApi = {
  generateIdentity: () => guarded('proteus-invalid-argument', generateIdentityKeyPair),
  encodeIdentity: (identity) => guarded('proteus-invalid-argument', () => encodeIdentityKeyPair(identity)),
  decodeIdentity: (bytes) => guarded('proteus-invalid-state', () => decodeIdentityKeyPair(bytes)),
  fingerprint: fingerprintOf,
  generatePrekeys: (startId, count) => guarded('proteus-invalid-argument', () => generatePrekeys(startId, count)),
  generateLastResortPrekey: () => guarded('proteus-invalid-argument', generateLastResortPrekey),
  planPrekeyRefill,
  encodePrekey: (prekey) => guarded('proteus-invalid-argument', () => encodePrekey(prekey)),
  decodePrekey: (bytes) => guarded('proteus-invalid-state', () => decodePrekey(bytes)),
  serverPrekey: (identity, prekey) => guarded('proteus-invalid-argument', () => toServerPrekey(identity, prekey)),
  clientRegistrationPrekeys: (identity, prekeys, lastResort) =>
    guarded('proteus-invalid-argument', () => registrationPrekeys(identity, prekeys, lastResort)),
  sessionFromClaimedPrekey: (identity, claimed) =>
    guarded('proteus-invalid-prekey-bundle', () => sessionFromPrekeyBundle(identity, fromServerPrekey(claimed))),
  encrypt: (session, plaintext) => guarded('proteus-invalid-state', () => encryptWithSession(session, plaintext)),
  decrypt: (request) =>
    guarded('proteus-decrypt-error', () =>
      decryptWithSession(request.identity, request.session, request.envelope, request.loadPrekey),
    ),
  encodeSession: (session) => guarded('proteus-invalid-state', () => encodeSession(session)),
  decodeSession: (identity, bytes) => guarded('proteus-invalid-state', () => decodeSession(identity, bytes)),
  inspectEnvelope: (envelope) => guarded('proteus-invalid-message', () => summariseEnvelope(envelope)),
};

/** Loads libsodium (WASM) once; the returned functions are synchronous from then on. */
export async function loadProteus(): Promise<ProteusApi> {
  await loadPrimitives();
  return api;
}
