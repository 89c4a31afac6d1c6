import type { ChainKey, MessageKeys } from './keySchedule';
import { applyMessageCipher, dhRatchetStep, handshakeSecrets, messageKeysOf, nextChainKey } from './keySchedule';
import type { CipherMessage, Envelope } from './messageCodec';
import type { Ed25519KeyPair } from './primitives';
import { bytesEqual, generateEd25519KeyPair, sharedSecret, verifyHmacSha256 } from './primitives';
import { ProteusFailure } from './proteusErrors';

/**
 * One double-ratchet state (Wire's SessionState). Values are immutable: every step returns a
 * new state, so a message that fails its MAC check leaves the caller's state exactly as it was
 * and the core can persist the new state in the same transaction as the message it produced.
 */

export type RecvChain = Readonly<{ chainKey: ChainKey; ratchetKey: Uint8Array; messageKeys: readonly MessageKeys[] }>;
export type SendChain = Readonly<{ chainKey: ChainKey; ratchetKey: Ed25519KeyPair }>;
export type SessionState = Readonly<{
  recvChains: readonly RecvChain[];
  sendChain: SendChain;
  rootKey: Uint8Array;
  prevCounter: number;
}>;

/**
 * seed 002 "Key buffering": "the KDF ratcheting has a threshold of 1000 dropped protocol
 * messages"; Wire's RecvChain.MAX_COUNTER_GAP = 1000 bounds both the gap and the kept keys.
 */
export const MAX_COUNTER_GAP = 1000;
/** Wire's SessionState.MAX_RECV_CHAINS: receive chains of older DH steps kept for late messages. */
export const MAX_RECV_CHAINS = 5;

/**
 * Initiator side of the handshake (Wire's `init_as_alice`). The three X25519 agreements are
 * concatenated in Wire's order: DH(ik_A, pk_B) || DH(base_A, ik_B) || DH(base_A, pk_B), which
 * is the set seed 002 lists ("Details of the key agreement"), identity keys converted from
 * Ed25519.
 */
export function initAsAlice(
  identity: Ed25519KeyPair,
  base: Ed25519KeyPair,
  bobIdentity: Uint8Array,
  bobPrekey: Uint8Array,
): SessionState {
  const master = concat([
    sharedSecret(identity.secretKey, bobPrekey),
    sharedSecret(base.secretKey, bobIdentity),
    sharedSecret(base.secretKey, bobPrekey),
  ]);
  const { rootKey, chainKey } = handshakeSecrets(master);
  master.fill(0);
  const sendRatchet = generateEd25519KeyPair();
  const step = dhRatchetStep(rootKey, sendRatchet, bobPrekey);
  return {
    recvChains: [{ chainKey, ratchetKey: bobPrekey, messageKeys: [] }],
    sendChain: { chainKey: step.chainKey, ratchetKey: sendRatchet },
    rootKey: step.rootKey,
    prevCounter: 0,
  };
}

/** Responder side (Wire's `init_as_bob`): the prekey pair becomes the first send ratchet key. */
export function initAsBob(
  identity: Ed25519KeyPair,
  prekey: Ed25519KeyPair,
  aliceIdentity: Uint8Array,
  aliceBase: Uint8Array,
): SessionState {
  const master = concat([
    sharedSecret(prekey.secretKey, aliceIdentity),
    sharedSecret(identity.secretKey, aliceBase),
    sharedSecret(prekey.secretKey, aliceBase),
  ]);
  const { rootKey, chainKey } = handshakeSecrets(master);
  master.fill(0);
  return { recvChains: [], sendChain: { chainKey, ratchetKey: prekey }, rootKey, prevCounter: 0 };
}

/** A DH ratchet step on seeing a new ratchet key from the peer (seed 002 "DH ratcheting"). */
function ratchet(state: SessionState, theirRatchetKey: Uint8Array): SessionState {
  const newRatchet = generateEd25519KeyPair();
  const recv = dhRatchetStep(state.rootKey, state.sendChain.ratchetKey, theirRatchetKey);
  const send = dhRatchetStep(recv.rootKey, newRatchet, theirRatchetKey);
  return {
    recvChains: [{ chainKey: recv.chainKey, ratchetKey: theirRatchetKey, messageKeys: [] }, ...state.recvChains].slice(
      0,
      MAX_RECV_CHAINS,
    ),
    sendChain: { chainKey: send.chainKey, ratchetKey: newRatchet },
    rootKey: send.rootKey,
    prevCounter: state.sendChain.chainKey.idx,
  };
}

export type Sealed = Readonly<{ state: SessionState; message: CipherMessage; macKey: Uint8Array }>;

/** Encrypts with the next sending key and advances the sending chain (seed 002 "KDF Ratcheting"). */
export function sealWithState(state: SessionState, sessionTag: Uint8Array, plaintext: Uint8Array): Sealed {
  const chain = state.sendChain.chainKey;
  const keys = messageKeysOf(chain);
  const message: CipherMessage = {
    sessionTag,
    counter: chain.idx,
    prevCounter: state.prevCounter,
    ratchetKey: state.sendChain.ratchetKey.publicKey,
    cipherText: applyMessageCipher(keys, plaintext),
  };
  return {
    state: { ...state, sendChain: { ...state.sendChain, chainKey: nextChainKey(chain) } },
    message,
    macKey: keys.macKey,
  };
}

export type Opened = Readonly<{ state: SessionState; plaintext: Uint8Array }>;

function openWithKeys(envelope: Envelope, message: CipherMessage, keys: MessageKeys): Uint8Array {
  if (!verifyHmacSha256(envelope.mac, envelope.messageBytes, keys.macKey)) {
    throw new ProteusFailure('proteus-invalid-signature');
  }
  return applyMessageCipher(keys, message.cipherText);
}

/**
 * Decrypts one message against this state (Wire's SessionState.decrypt): finds or ratchets to
 * the receive chain of the message's ratchet key, then uses a buffered key (late message), the
 * current key, or ratchets the chain forward buffering up to 1000 skipped keys.
 */
export function openWithState(state: SessionState, envelope: Envelope, message: CipherMessage): Opened {
  let working = state;
  let index = working.recvChains.findIndex((chain) => bytesEqual(chain.ratchetKey, message.ratchetKey));
  if (index === -1) {
    working = ratchet(working, message.ratchetKey);
    index = 0;
  }
  const chain = working.recvChains[index];
  if (chain === undefined) throw new ProteusFailure('proteus-decrypt-error');
  const opened = openOnChain(chain, envelope, message);
  const recvChains = working.recvChains.map((existing, i) => (i === index ? opened.chain : existing));
  return { state: { ...working, recvChains }, plaintext: opened.plaintext };
}

function openOnChain(
  chain: RecvChain,
  envelope: Envelope,
  message: CipherMessage,
): Readonly<{ chain: RecvChain; plaintext: Uint8Array }> {
  const current = chain.chainKey.idx;
  if (message.counter < current) {
    const oldest = chain.messageKeys[0];
    if (oldest !== undefined && oldest.counter > message.counter) throw new ProteusFailure('proteus-outdated-message');
    const keys = chain.messageKeys.find((k) => k.counter === message.counter);
    if (keys === undefined) throw new ProteusFailure('proteus-duplicate-message');
    const plaintext = openWithKeys(envelope, message, keys);
    return { chain: { ...chain, messageKeys: chain.messageKeys.filter((k) => k !== keys) }, plaintext };
  }
  if (message.counter === current) {
    const plaintext = openWithKeys(envelope, message, messageKeysOf(chain.chainKey));
    return { chain: { ...chain, chainKey: nextChainKey(chain.chainKey) }, plaintext };
  }
  const gap = message.counter - current;
  if (gap > MAX_COUNTER_GAP) throw new ProteusFailure('proteus-too-distant-future');
  const skipped: MessageKeys[] = [];
  let chainKey = chain.chainKey;
  for (let i = 0; i < gap; i++) {
    skipped.push(messageKeysOf(chainKey));
    chainKey = nextChainKey(chainKey);
  }
  const plaintext = openWithKeys(envelope, message, messageKeysOf(chainKey));
  // seed 002: at most 1000 buffered keys; the oldest are dropped first (Wire's commit_message_keys).
  const messageKeys = [...chain.messageKeys, ...skipped].slice(-MAX_COUNTER_GAP);
  return { chain: { chainKey: nextChainKey(chainKey), ratchetKey: chain.ratchetKey, messageKeys }, plaintext };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
    part.fill(0);
  }
  return out;
}
