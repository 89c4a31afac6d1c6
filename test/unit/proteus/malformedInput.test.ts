import { beforeAll, describe, expect, it } from 'vitest';
import { PROTEUS_ERRORS } from '../../../electron/core/crypto/proteus/proteusErrors';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import type { ProteusResult } from '../../../electron/core/crypto/proteus/proteusErrors';
import { TestDevice, pair, value } from './proteusTestClient';

let proteus: ProteusApi;
beforeAll(async () => {
  proteus = await loadProteus();
});

/** Deterministic xorshift32, so a failing input can be reproduced from the test name. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

function randomBytes(next: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => next() & 0xff);
}

const KNOWN_CODES = new Set(Object.keys(PROTEUS_ERRORS));
/** The fallback for an unexpected exception; malformed input must never need it. */
const UNEXPECTED = 'proteus-decrypt-error';

function expectTypedFailure<T>(result: ProteusResult<T>): void {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(KNOWN_CODES.has(result.error.code)).toBe(true);
    expect(result.error.code).not.toBe(UNEXPECTED);
    expect(result.error.message).toMatch(/^[A-Z].*\.$/);
  }
}

describe('Proteus with malformed input', () => {
  it('answers random bytes with a typed error, with and without a session', () => {
    const { alice, bob } = pair(proteus);
    const next = prng(0x5eed);
    for (let i = 0; i < 400; i++) {
      const junk = randomBytes(next, next() % 300);
      expectTypedFailure(proteus.inspectEnvelope(junk));
      for (const session of [bob.session('alice'), null]) {
        const loadPrekey = (id: number) => bob.prekeys.get(id);
        expectTypedFailure(proteus.decrypt({ identity: bob.identity, session, envelope: junk, loadPrekey }));
      }
    }
    expect(bob.receive('alice', alice.send('bob', 'still here'))).toEqual({ ok: true, value: 'still here' });
  });

  it('answers pathological CBOR (deep nesting, absurd lengths) as an invalid message, quickly', () => {
    const { bob } = pair(proteus);
    const cases = [
      new Uint8Array(300_000).fill(0x81), // arrays nested 300 000 deep
      new Uint8Array(300_000).fill(0xa1), // maps nested 300 000 deep
      Uint8Array.from([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // 2^64-byte string
      Uint8Array.from([0x9b, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]), // 2^40-element array
      Uint8Array.from([0xa3, 0x00, 0x01, 0x01, 0xa1, 0x00, 0x58, 0x20]), // envelope cut inside the MAC
    ];
    const started = Date.now();
    for (const envelope of cases) {
      const result = proteus.decrypt({ identity: bob.identity, session: bob.session('alice'), envelope, loadPrekey: () => undefined });
      expect(result.ok ? 'ok' : result.error.code).toBe('proteus-invalid-message');
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers every single-bit flip and truncation of a message with a typed error and keeps the session', () => {
    const { alice, bob } = pair(proteus);
    const genuine = alice.send('bob', 'the genuine message');
    const before = bob.session('alice');
    for (let bit = 0; bit < genuine.length * 8; bit++) {
      const flipped = genuine.slice();
      flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      expectTypedFailure(bob.receive('alice', flipped));
    }
    for (let length = 0; length < genuine.length; length++) expectTypedFailure(bob.receive('alice', genuine.subarray(0, length)));
    expect(bob.session('alice')).toBe(before);
    expect(bob.receive('alice', genuine)).toEqual({ ok: true, value: 'the genuine message' });
  });

  it('answers bit flips anywhere in a first prekey message with a typed error and consumes no prekey', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [claimed] = bob.publish(1, 1);
    if (claimed === undefined) throw new Error('no prekey');
    alice.connect('bob', claimed);
    const genuine = alice.send('bob', 'first contact');
    // Each attempt runs the whole handshake, so: every bit of the CBOR framing up to the MAC,
    // then one bit of every byte after it.
    const next = prng(0xf11b);
    const bits = [
      ...Array.from({ length: 8 * 8 }, (_, bit) => bit),
      ...Array.from({ length: genuine.length - 8 }, (_, i) => (i + 8) * 8 + (next() % 8)),
    ];
    for (const bit of bits) {
      const flipped = genuine.slice();
      flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      expectTypedFailure(bob.receive('alice', flipped));
    }
    expect(bob.consumed).toEqual([]);
    expect(bob.receive('alice', genuine)).toEqual({ ok: true, value: 'first contact' });
    expect(bob.consumed).toEqual([1]);
  });

  it('answers corrupt stored state and corrupt prekey bundles with typed errors', () => {
    const { alice } = pair(proteus);
    const stored = {
      session: value(proteus.encodeSession(alice.session('bob'))),
      identity: value(proteus.encodeIdentity(alice.identity)),
      prekey: value(proteus.encodePrekey(value(proteus.generateLastResortPrekey()))),
      bundle: Buffer.from(value(proteus.serverPrekey(alice.identity, value(proteus.generateLastResortPrekey()))).key, 'base64'),
    };
    const next = prng(0xc0ffee);
    for (let i = 0; i < 300; i++) {
      const mutate = (bytes: Uint8Array): Uint8Array => {
        const copy = bytes.slice();
        const index = next() % copy.length;
        copy[index] = (copy[index] ?? 0) ^ (1 << (next() % 8));
        return copy.subarray(0, next() % 8 === 0 ? next() % copy.length : copy.length);
      };
      const session = proteus.decodeSession(alice.identity, mutate(stored.session));
      if (session.ok) expect(proteus.encrypt(session.value, new Uint8Array(1)).ok).toBe(true);
      else expectTypedFailure(session);
      const identity = proteus.decodeIdentity(mutate(stored.identity));
      if (!identity.ok) expectTypedFailure(identity);
      const prekey = proteus.decodePrekey(mutate(stored.prekey));
      if (!prekey.ok) expectTypedFailure(prekey);
      const key = Buffer.from(mutate(stored.bundle)).toString('base64');
      const claimed = proteus.sessionFromClaimedPrekey(alice.identity, { id: 65535, key });
      if (!claimed.ok) expectTypedFailure(claimed);
      const junk = randomBytes(next, next() % 200);
      expectTypedFailure(proteus.decodeSession(alice.identity, junk));
      expectTypedFailure(proteus.decodeIdentity(junk));
      expectTypedFailure(proteus.decodePrekey(junk));
    }
  });

  it('reports a prekey lookup that throws as an unknown prekey', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [claimed] = bob.publish(1, 1);
    if (claimed === undefined) throw new Error('no prekey');
    alice.connect('bob', claimed);
    const result = proteus.decrypt({
      identity: bob.identity,
      session: null,
      envelope: alice.send('bob', 'x'),
      loadPrekey: () => {
        throw new Error('database closed');
      },
    });
    expect(result.ok ? 'ok' : result.error.code).toBe('proteus-unknown-prekey');
  });
});
