/**
 * The seed 002 parameters, checked against independent implementations (node:crypto HMAC/HKDF,
 * @noble/curves X25519, @noble/ciphers ChaCha20) rather than against our own code.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { createHmac, hkdfSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../electron/core/crypto/proteus/messageCodec';
import { generateEd25519KeyPair, loadPrimitives } from '../../../electron/core/crypto/proteus/primitives';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import { initAsBob } from '../../../electron/core/crypto/proteus/sessionState';
import { pair, read, text, value } from './proteusTestClient';

let proteus: ProteusApi;
beforeAll(async () => {
  await loadPrimitives();
  proteus = await loadProteus();
});

const hmac = (key: Uint8Array, message: string | Uint8Array) => new Uint8Array(createHmac('sha256', key).update(message).digest());
const hkdf64 = (input: Uint8Array, salt: Uint8Array, info: string) => new Uint8Array(hkdfSync('sha256', input, salt, info, 64));
/** X25519 between an Ed25519 libsodium secret key (seed || pk) and an Ed25519 public key. */
const dh = (edSecret: Uint8Array, edPublic: Uint8Array) =>
  x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(edSecret.subarray(0, 32)), ed25519.utils.toMontgomery(edPublic));

describe('Proteus key schedule (seed 002)', () => {
  it('derives root_key_0 || chain_key_0_0 from the triple DH with HKDF info "handshake"', () => {
    const bobIdentity = generateEd25519KeyPair();
    const bobPrekey = generateEd25519KeyPair();
    const aliceIdentity = generateEd25519KeyPair();
    const aliceBase = generateEd25519KeyPair();
    const master = new Uint8Array([
      ...dh(bobPrekey.secretKey, aliceIdentity.publicKey),
      ...dh(bobIdentity.secretKey, aliceBase.publicKey),
      ...dh(bobPrekey.secretKey, aliceBase.publicKey),
    ]);
    const okm = hkdf64(master, new Uint8Array(0), 'handshake');
    const state = initAsBob(bobIdentity, bobPrekey, aliceIdentity.publicKey, aliceBase.publicKey);
    expect(state.rootKey).toEqual(okm.slice(0, 32));
    expect(state.sendChain.chainKey).toEqual({ key: okm.slice(32), idx: 0 });
    expect(state.sendChain.ratchetKey).toBe(bobPrekey);
  });

  it('encrypts with ChaCha20 under HKDF(HMAC(chain, "0"), "hash_ratchet"), MACs with HMAC-SHA256, steps with HMAC(chain, "1")', () => {
    const { alice } = pair(proteus);
    const session = alice.session('bob');
    const sendChain = session.states[0]?.state.sendChain.chainKey;
    if (sendChain === undefined) throw new Error('no state');

    const out = value(proteus.encrypt(session, text('checked independently')));
    const envelope = decodeEnvelope(out.envelope);
    if (envelope.message.kind !== 'cipher') throw new Error('expected a cipher message');
    const message = envelope.message.message;
    expect(message.counter).toBe(sendChain.idx);

    const keys = hkdf64(hmac(sendChain.key, '0'), new Uint8Array(0), 'hash_ratchet');
    const nonce = new Uint8Array(8);
    new DataView(nonce.buffer).setUint32(0, message.counter);
    expect(read(chacha20orig(keys.slice(0, 32), nonce, message.cipherText))).toBe('checked independently');
    expect(envelope.mac).toEqual(hmac(keys.slice(32), envelope.messageBytes));
    expect(out.session.states[0]?.state.sendChain.chainKey).toEqual({ key: hmac(sendChain.key, '1'), idx: sendChain.idx + 1 });
  });

  it('derives each new chain with HKDF(DH of ratchet keys, salt root key, info "dh_ratchet")', () => {
    const { alice, bob } = pair(proteus);
    const before = bob.session('alice').states[0]?.state;
    if (before === undefined) throw new Error('no state');
    const envelope = alice.send('bob', 'new ratchet key');
    const parsed = decodeEnvelope(envelope).message;
    if (parsed.kind !== 'cipher') throw new Error('expected a cipher message');
    expect(bob.receive('alice', envelope).ok).toBe(true);
    const after = bob.session('alice').states[0]?.state;

    const recv = hkdf64(dh(before.sendChain.ratchetKey.secretKey, parsed.message.ratchetKey), before.rootKey, 'dh_ratchet');
    expect(after?.recvChains[0]?.ratchetKey).toEqual(parsed.message.ratchetKey);
    // Bob's chain key moved past the message he just read.
    expect(after?.recvChains[0]?.chainKey).toEqual({ key: hmac(recv.slice(32), '1'), idx: 1 });
    const newRatchet = after?.sendChain.ratchetKey;
    if (newRatchet === undefined) throw new Error('no send chain');
    const send = hkdf64(dh(newRatchet.secretKey, parsed.message.ratchetKey), recv.slice(0, 32), 'dh_ratchet');
    expect(after?.rootKey).toEqual(send.slice(0, 32));
    expect(after?.sendChain.chainKey).toEqual({ key: send.slice(32), idx: 0 });
  });
});
