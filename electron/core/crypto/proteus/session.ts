import { missingCase } from '../../../../protocol/result';
import type { IdentityKeyPair } from './identity';
import type { CipherMessage, Envelope, PreKeyMessage, ProteusMessage } from './messageCodec';
import { SESSION_TAG_BYTES, decodeEnvelope, encodeEnvelope, encodeMessage } from './messageCodec';
import type { PrekeyBundle } from './prekeyBundle';
import { checkPrekeyBundleSignature } from './prekeyBundle';
import type { Prekey } from './prekeys';
import { isLastResortPrekeyId } from './prekeys';
import { bytesEqual, generateEd25519KeyPair, hmacSha256, randomBytes } from './primitives';
import { ProteusFailure } from './proteusErrors';
import type { SessionState } from './sessionState';
import { initAsAlice, initAsBob, openWithState, sealWithState } from './sessionState';

/**
 * A Proteus session with one remote client (seed 002 "Proteus Sessions"), shaped like Wire's
 * Session: several ratchet states keyed by session tag, the newest being current. Keeping older
 * states lets messages still in flight from a replaced session decrypt, and a "session reset"
 * (the peer starting over from a fresh prekey) simply adds a state that becomes current.
 */
export type SessionStateEntry = Readonly<{ tag: Uint8Array; state: SessionState }>;
export type PendingPrekey = Readonly<{ prekeyId: number; baseKey: Uint8Array }>;
export type Session = Readonly<{
  version: number;
  sessionTag: Uint8Array;
  localIdentity: Uint8Array;
  remoteIdentity: Uint8Array;
  /** Set until the peer's first reply: every message we send carries the prekey handshake. */
  pendingPrekey: PendingPrekey | null;
  /** Oldest first. */
  states: readonly SessionStateEntry[];
}>;

/** Wire's Session.MAX_SESSION_STATES. */
export const MAX_SESSION_STATES = 100;
/** Wire's Session version; the only one that exists. */
export const SESSION_VERSION = 1;

/** Starts a session towards a peer from a prekey bundle it published (Wire `init_from_prekey`). */
export function sessionFromPrekeyBundle(identity: IdentityKeyPair, bundle: PrekeyBundle): Session {
  checkPrekeyBundleSignature(bundle);
  const base = generateEd25519KeyPair();
  const state = initAsAlice(identity.keyPair, base, bundle.identityPublicKey, bundle.prekeyPublicKey);
  const tag = randomBytes(SESSION_TAG_BYTES);
  return {
    version: SESSION_VERSION,
    sessionTag: tag,
    localIdentity: identity.keyPair.publicKey,
    remoteIdentity: bundle.identityPublicKey,
    pendingPrekey: { prekeyId: bundle.prekeyId, baseKey: base.publicKey },
    states: [{ tag, state }],
  };
}

export type Encrypted = Readonly<{ session: Session; envelope: Uint8Array }>;

/** Encrypts one message with the current state; a PreKeyMessage while the handshake is pending. */
export function encryptWithSession(session: Session, plaintext: Uint8Array): Encrypted {
  const entry = session.states.find((s) => bytesEqual(s.tag, session.sessionTag));
  if (entry === undefined) throw new ProteusFailure('proteus-session-not-found');
  const sealed = sealWithState(entry.state, session.sessionTag, plaintext);
  const pending = session.pendingPrekey;
  const message: ProteusMessage =
    pending === null
      ? { kind: 'cipher', message: sealed.message }
      : {
          kind: 'prekey',
          message: {
            prekeyId: pending.prekeyId,
            baseKey: pending.baseKey,
            identityKey: session.localIdentity,
            message: sealed.message,
          },
        };
  const messageBytes = encodeMessage(message);
  const envelope = encodeEnvelope(hmacSha256(sealed.macKey, messageBytes), messageBytes);
  return { session: insertState(session, session.sessionTag, sealed.state), envelope };
}

/** Looks up one of our private prekeys by id (the core reads it from its DB). */
export type PrekeyLookup = (id: number) => Prekey | undefined;

export type Decrypted = Readonly<{
  session: Session;
  plaintext: Uint8Array;
  /**
   * A one-time prekey this message used up: delete it in the same transaction that stores the
   * session (seed 002: "Every prekey is intended to be used only once"). Never 65535.
   */
  consumedPrekeyId: number | null;
}>;

/**
 * Decrypts an envelope from the peer. With no session yet, only a PreKeyMessage can start one
 * (Wire `init_from_message`); with a session, a PreKeyMessage for an unknown session tag is the
 * peer's reset and adds a new current state, as long as the peer's identity is unchanged.
 * Unlike Wire, a PreKeyMessage for a session tag we already hold never re-runs the handshake.
 */
export function decryptWithSession(
  identity: IdentityKeyPair,
  session: Session | null,
  envelopeBytes: Uint8Array,
  lookup: PrekeyLookup,
): Decrypted {
  const envelope = decodeEnvelope(envelopeBytes);
  const parsed = envelope.message;
  if (session === null) {
    if (parsed.kind !== 'prekey') throw new ProteusFailure('proteus-session-not-found');
    return sessionFromMessage(identity, envelope, parsed.message, lookup);
  }
  if (!bytesEqual(session.localIdentity, identity.keyPair.publicKey)) {
    throw new ProteusFailure('proteus-local-identity-changed');
  }
  switch (parsed.kind) {
    case 'cipher':
      return { ...decryptCipher(session, envelope, parsed.message), consumedPrekeyId: null };
    case 'prekey': {
      const pkm = parsed.message;
      if (!bytesEqual(pkm.identityKey, session.remoteIdentity)) {
        throw new ProteusFailure('proteus-remote-identity-changed');
      }
      try {
        return { ...decryptCipher(session, envelope, pkm.message), consumedPrekeyId: null };
      } catch (error: unknown) {
        // Only an unknown session tag means the peer started a new session (a reset). Wire's
        // libraries also start over when a known tag fails its MAC check; then a replayed
        // last-resort PreKeyMessage whose chain was already dropped decrypts a second time and
        // overwrites the live state, breaking the session (seen with @wireapp/proteus 9.13.0
        // and core-crypto 10.3.0). A PreKeyMessage for a tag we hold is never a reset.
        if (!(error instanceof ProteusFailure) || error.code !== 'proteus-session-not-found') throw error;
      }
      const state = newStateFromPrekey(identity, pkm, lookup);
      const opened = openWithState(state, envelope, pkm.message);
      return {
        session: { ...insertState(session, pkm.message.sessionTag, opened.state), pendingPrekey: null },
        plaintext: opened.plaintext,
        consumedPrekeyId: consumed(pkm.prekeyId),
      };
    }
    default:
      return missingCase(parsed);
  }
}

function sessionFromMessage(
  identity: IdentityKeyPair,
  envelope: Envelope,
  pkm: PreKeyMessage,
  lookup: PrekeyLookup,
): Decrypted {
  const opened = openWithState(newStateFromPrekey(identity, pkm, lookup), envelope, pkm.message);
  const tag = pkm.message.sessionTag;
  return {
    session: {
      version: SESSION_VERSION,
      sessionTag: tag,
      localIdentity: identity.keyPair.publicKey,
      remoteIdentity: pkm.identityKey,
      pendingPrekey: null,
      states: [{ tag, state: opened.state }],
    },
    plaintext: opened.plaintext,
    consumedPrekeyId: consumed(pkm.prekeyId),
  };
}

function consumed(prekeyId: number): number | null {
  return isLastResortPrekeyId(prekeyId) ? null : prekeyId;
}

function newStateFromPrekey(identity: IdentityKeyPair, pkm: PreKeyMessage, lookup: PrekeyLookup): SessionState {
  let prekey: Prekey | undefined;
  try {
    prekey = lookup(pkm.prekeyId);
  } catch {
    prekey = undefined;
  }
  if (prekey === undefined || prekey.id !== pkm.prekeyId) throw new ProteusFailure('proteus-unknown-prekey');
  return initAsBob(identity.keyPair, prekey.keyPair, pkm.identityKey, pkm.baseKey);
}

function decryptCipher(
  session: Session,
  envelope: Envelope,
  message: CipherMessage,
): Readonly<{ session: Session; plaintext: Uint8Array }> {
  const entry = session.states.find((s) => bytesEqual(s.tag, message.sessionTag));
  if (entry === undefined) throw new ProteusFailure('proteus-session-not-found');
  const opened = openWithState(entry.state, envelope, message);
  return {
    session: { ...insertState(session, message.sessionTag, opened.state), pendingPrekey: null },
    plaintext: opened.plaintext,
  };
}

/**
 * Wire's `_insert_session_state`: replace a known tag in place, else append; the inserted tag
 * becomes current; beyond 100 states the oldest that is not current is dropped.
 */
function insertState(session: Session, tag: Uint8Array, state: SessionState): Session {
  const known = session.states.some((s) => bytesEqual(s.tag, tag));
  let states = known
    ? session.states.map((s) => (bytesEqual(s.tag, tag) ? { tag: s.tag, state } : s))
    : [...session.states, { tag, state }];
  if (states.length >= MAX_SESSION_STATES) {
    const oldest = states.findIndex((s) => !bytesEqual(s.tag, tag));
    states = states.filter((_, i) => i !== oldest);
  }
  return { ...session, sessionTag: tag, states };
}
