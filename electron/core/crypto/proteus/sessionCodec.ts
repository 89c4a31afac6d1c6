import type { CborMap, CborValue } from './cbor';
import { CborPairs, CborReader, cborMap, decodeCbor, encodeCbor } from './cbor';
import type { IdentityKeyPair } from './identity';
import type { ChainKey, MessageKeys } from './keySchedule';
import {
  decodeIdentityKey,
  decodeKeyPair,
  decodePublicKey,
  encodeIdentityKey,
  encodeKeyPair,
  encodePublicKey,
} from './keyCodec';
import { SESSION_TAG_BYTES } from './messageCodec';
import { KEY_BYTES, bytesEqual } from './primitives';
import { ProteusFailure } from './proteusErrors';
import type { Session, SessionStateEntry } from './session';
import { MAX_SESSION_STATES, SESSION_VERSION } from './session';
import type { RecvChain, SessionState } from './sessionState';
import { MAX_COUNTER_GAP, MAX_RECV_CHAINS } from './sessionState';

/**
 * Sessions as bytes for the local encrypted DB, in Wire's Session CBOR so that a session could
 * be read by Wire's library too: `{0: version, 1: current tag, 2: local IdentityKey, 3: remote
 * IdentityKey, 4: {0: prekey id, 1: base PublicKey} | null, 5: {tag: SessionState}}` with
 * SessionState `{0: [RecvChain], 1: SendChain, 2: RootKey, 3: prev counter}`.
 */

const CODE = 'proteus-invalid-state';
const U32 = 0xffffffff;

function keyMap(key: Uint8Array): CborMap {
  return cborMap([[0, key]]);
}

function encodeChainKey(chain: ChainKey): CborMap {
  return cborMap([
    [0, keyMap(chain.key)],
    [1, chain.idx],
  ]);
}

function encodeMessageKeys(keys: MessageKeys): CborMap {
  return cborMap([
    [0, keyMap(keys.cipherKey)],
    [1, keyMap(keys.macKey)],
    [2, keys.counter],
  ]);
}

function encodeRecvChain(chain: RecvChain): CborMap {
  return cborMap([
    [0, encodeChainKey(chain.chainKey)],
    [1, encodePublicKey(chain.ratchetKey)],
    [2, chain.messageKeys.map(encodeMessageKeys)],
  ]);
}

function encodeState(state: SessionState): CborMap {
  return cborMap([
    [0, state.recvChains.map(encodeRecvChain)],
    [
      1,
      cborMap([
        [0, encodeChainKey(state.sendChain.chainKey)],
        [1, encodeKeyPair(state.sendChain.ratchetKey)],
      ]),
    ],
    [2, cborMap([[0, keyMap(state.rootKey)]])],
    [3, state.prevCounter],
  ]);
}

export function encodeSession(session: Session): Uint8Array {
  const pending: CborValue =
    session.pendingPrekey === null
      ? null
      : cborMap([
          [0, session.pendingPrekey.prekeyId],
          [1, encodePublicKey(session.pendingPrekey.baseKey)],
        ]);
  return encodeCbor(
    cborMap([
      [0, session.version],
      [1, session.sessionTag],
      [2, encodeIdentityKey(session.localIdentity)],
      [3, encodeIdentityKey(session.remoteIdentity)],
      [4, pending],
      [5, new CborPairs(session.states.map((entry) => [entry.tag, encodeState(entry.state)]))],
    ]),
  );
}

function readKey(reader: CborReader): Uint8Array {
  return reader.bytes(0, KEY_BYTES);
}

function decodeChainKey(reader: CborReader): ChainKey {
  return { key: readKey(reader.nested(0)), idx: reader.uint(1, U32) };
}

function decodeMessageKeys(value: CborValue): MessageKeys {
  const reader = CborReader.of(value, CODE);
  return { cipherKey: readKey(reader.nested(0)), macKey: readKey(reader.nested(1)), counter: reader.uint(2, U32) };
}

function decodeRecvChain(value: CborValue): RecvChain {
  const reader = CborReader.of(value, CODE);
  const messageKeys = reader.array(2);
  if (messageKeys.length > MAX_COUNTER_GAP) throw new ProteusFailure(CODE);
  return {
    chainKey: decodeChainKey(reader.nested(0)),
    ratchetKey: decodePublicKey(reader.nested(1)),
    messageKeys: messageKeys.map(decodeMessageKeys),
  };
}

function decodeState(value: CborValue): SessionState {
  const reader = CborReader.of(value, CODE);
  const recvChains = reader.array(0);
  if (recvChains.length > MAX_RECV_CHAINS) throw new ProteusFailure(CODE);
  const send = reader.nested(1);
  return {
    recvChains: recvChains.map(decodeRecvChain),
    sendChain: { chainKey: decodeChainKey(send.nested(0)), ratchetKey: decodeKeyPair(send.nested(1)) },
    rootKey: readKey(reader.nested(2).nested(0)),
    prevCounter: reader.uint(3, U32),
  };
}

/**
 * Reads a stored session back. It must belong to `identity`: a session of another identity is
 * `proteus-local-identity-changed`, as in Wire's Session.decode.
 */
export function decodeSession(identity: IdentityKeyPair, bytes: Uint8Array): Session {
  const reader = CborReader.of(decodeCbor(bytes, CODE), CODE);
  const version = reader.uint(0, 0xff);
  if (version !== SESSION_VERSION) throw new ProteusFailure(CODE);
  const localIdentity = decodeIdentityKey(reader.nested(2));
  if (!bytesEqual(localIdentity, identity.keyPair.publicKey)) throw new ProteusFailure('proteus-local-identity-changed');
  let pendingPrekey: Session['pendingPrekey'] = null;
  if (!reader.isNull(4)) {
    const pending = reader.nested(4);
    pendingPrekey = { prekeyId: pending.uint(0, 0xffff), baseKey: decodePublicKey(pending.nested(1)) };
  }
  const pairs = reader.pairs(5).pairs;
  if (pairs.length > MAX_SESSION_STATES) throw new ProteusFailure(CODE);
  const states: SessionStateEntry[] = pairs.map(([tag, value]) => {
    if (tag.length !== SESSION_TAG_BYTES) throw new ProteusFailure(CODE);
    return { tag, state: decodeState(value) };
  });
  const sessionTag = reader.bytes(1, SESSION_TAG_BYTES);
  if (!states.some((entry) => bytesEqual(entry.tag, sessionTag))) throw new ProteusFailure(CODE);
  return {
    version,
    sessionTag,
    localIdentity,
    remoteIdentity: decodeIdentityKey(reader.nested(3)),
    pendingPrekey,
    states,
  };
}
