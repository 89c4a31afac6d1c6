import { beforeAll, describe, expect, it } from 'vitest';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import { TestDevice, errorCode, pair, text, value } from './proteusTestClient';

let proteus: ProteusApi;
beforeAll(async () => {
  proteus = await loadProteus();
});

const ok = (s: string) => ({ ok: true, value: s });

describe('Proteus sessions', () => {
  it('delivers messages both ways across several DH ratchet turns', () => {
    const { alice, bob } = pair(proteus);
    for (let round = 0; round < 5; round++) {
      expect(alice.receive('bob', bob.send('alice', `from bob ${round}`))).toEqual(ok(`from bob ${round}`));
      expect(bob.receive('alice', alice.send('bob', `from alice ${round}`))).toEqual(ok(`from alice ${round}`));
    }
    expect(alice.session('bob').pendingPrekey).toBeNull();
  });

  it('carries empty and large (1 MiB) payloads byte for byte', () => {
    const { alice, bob } = pair(proteus);
    for (const payload of [new Uint8Array(0), Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31) & 0xff)]) {
      const sent = value(proteus.encrypt(alice.session('bob'), payload));
      alice.sessions.set('bob', sent.session);
      const got = value(
        proteus.decrypt({ identity: bob.identity, session: bob.session('alice'), envelope: sent.envelope, loadPrekey: () => undefined }),
      );
      bob.sessions.set('alice', got.session);
      expect(got.plaintext.length).toBe(payload.length);
      expect(Buffer.from(got.plaintext).equals(Buffer.from(payload))).toBe(true);
    }
  });

  it('keeps sending prekey messages until the peer answers, then plain cipher messages', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [claimed] = bob.publish(5, 1);
    if (claimed === undefined) throw new Error('no prekey');
    alice.connect('bob', claimed);
    const first = alice.send('bob', 'one');
    const second = alice.send('bob', 'two');
    expect(alice.session('bob').pendingPrekey?.prekeyId).toBe(5);
    // The second message alone can open the session: it carries the handshake too.
    expect(bob.receive('alice', second)).toEqual(ok('two'));
    expect(bob.receive('alice', first)).toEqual(ok('one'));
    expect(alice.receive('bob', bob.send('alice', 'ack'))).toEqual(ok('ack'));
    expect(alice.session('bob').pendingPrekey).toBeNull();
    expect(bob.receive('alice', alice.send('bob', 'three'))).toEqual(ok('three'));
  });

  it('decrypts messages that arrive out of order within one chain and across chains', () => {
    const { alice, bob } = pair(proteus);
    const batch = [0, 1, 2, 3, 4, 5].map((n) => alice.send('bob', `m${n}`));
    for (const n of [5, 0, 3, 1, 4, 2]) expect(bob.receive('alice', batch[n] ?? new Uint8Array())).toEqual(ok(`m${n}`));

    const lateFromOldChain = alice.send('bob', 'late');
    alice.receive('bob', bob.send('alice', 'turn'));
    expect(bob.receive('alice', alice.send('bob', 'new chain'))).toEqual(ok('new chain'));
    expect(bob.receive('alice', lateFromOldChain)).toEqual(ok('late'));
  });

  it('decrypts a message 1000 ahead but refuses one 1001 ahead as too distant', () => {
    const { alice, bob } = pair(proteus);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 1002; i++) sent.push(alice.send('bob', `n${i}`));
    // Alice ratcheted on Bob's reply, so this is a new chain for Bob starting at 0.
    const tooFar = proteus.decrypt({
      identity: bob.identity,
      session: bob.session('alice'),
      envelope: sent[1001] ?? new Uint8Array(),
      loadPrekey: () => undefined,
    });
    expect(errorCode(tooFar)).toBe('proteus-too-distant-future');
    expect(bob.receive('alice', sent[1000] ?? new Uint8Array())).toEqual(ok('n1000'));
    // The 1000 skipped keys were buffered: the earliest skipped one still opens.
    expect(bob.receive('alice', sent[0] ?? new Uint8Array())).toEqual(ok('n0'));
    expect(bob.receive('alice', sent[1001] ?? new Uint8Array())).toEqual(ok('n1001'));
  });

  it('keeps at most 1000 skipped keys: the oldest are dropped and their messages are reported outdated', () => {
    const { alice, bob } = pair(proteus);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 1200; i++) sent.push(alice.send('bob', `n${i}`));
    expect(bob.receive('alice', sent[900] ?? new Uint8Array())).toEqual(ok('n900'));
    expect(bob.receive('alice', sent[1199] ?? new Uint8Array())).toEqual(ok('n1199'));
    const chain = bob.session('alice').states[0]?.state.recvChains[0];
    expect(chain?.messageKeys.length).toBe(1000);
    expect(errorCode(bob.receive('alice', sent[0] ?? new Uint8Array()))).toBe('proteus-outdated-message');
    expect(bob.receive('alice', sent[1198] ?? new Uint8Array())).toEqual(ok('n1198'));
  });

  it('reports a replayed message as a duplicate and leaves the session working', () => {
    const { alice, bob } = pair(proteus);
    const envelope = alice.send('bob', 'once');
    expect(bob.receive('alice', envelope)).toEqual(ok('once'));
    expect(errorCode(bob.receive('alice', envelope))).toBe('proteus-duplicate-message');
    const skipped = alice.send('bob', 'skipped');
    expect(bob.receive('alice', alice.send('bob', 'after'))).toEqual(ok('after'));
    expect(bob.receive('alice', skipped)).toEqual(ok('skipped'));
    expect(errorCode(bob.receive('alice', skipped))).toBe('proteus-duplicate-message');
  });

  it('reports a replayed first prekey message as a duplicate once the session exists', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [claimed] = bob.publish(9, 1);
    if (claimed === undefined) throw new Error('no prekey');
    alice.connect('bob', claimed);
    const first = alice.send('bob', 'first');
    expect(bob.receive('alice', first)).toEqual(ok('first'));
    expect(errorCode(bob.receive('alice', first))).toBe('proteus-duplicate-message');
  });

  it('rejects a tampered ciphertext or MAC and still decrypts the genuine messages afterwards', () => {
    const { alice, bob } = pair(proteus);
    const genuine = alice.send('bob', 'genuine');
    const before = bob.session('alice');
    // The last byte is ciphertext; byte 10 is inside the MAC.
    for (const index of [genuine.length - 1, 10]) {
      const tampered = genuine.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(errorCode(bob.receive('alice', tampered))).toBe('proteus-invalid-signature');
    }
    expect(bob.session('alice')).toBe(before);
    expect(bob.receive('alice', genuine)).toEqual(ok('genuine'));
    expect(alice.receive('bob', bob.send('alice', 'still fine'))).toEqual(ok('still fine'));
  });

  it('reports a tampered prekey message on a known session as tampering even after its prekey is gone', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [claimed] = bob.publish(3, 1);
    if (claimed === undefined) throw new Error('no prekey');
    alice.connect('bob', claimed);
    expect(bob.receive('alice', alice.send('bob', 'first')).ok).toBe(true);
    const second = alice.send('bob', 'second');
    const tampered = second.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(errorCode(bob.receive('alice', tampered))).toBe('proteus-invalid-signature');
    expect(bob.receive('alice', second)).toEqual(ok('second'));
  });

  it('refuses a replayed last-resort prekey message whose chain is gone, and the session keeps working', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const lastResort = bob.publishOne(value(proteus.generateLastResortPrekey()));
    alice.connect('bob', lastResort);
    const first = alice.send('bob', 'first');
    expect(bob.receive('alice', first)).toEqual(ok('first'));
    // Seven DH turns: the chain of the first message is long gone (5 receive chains are kept).
    for (let turn = 0; turn < 7; turn++) {
      expect(alice.receive('bob', bob.send('alice', `b${turn}`))).toEqual(ok(`b${turn}`));
      expect(bob.receive('alice', alice.send('bob', `a${turn}`))).toEqual(ok(`a${turn}`));
    }
    expect(errorCode(bob.receive('alice', first))).toBe('proteus-invalid-signature');
    expect(bob.receive('alice', alice.send('bob', 'after the replay'))).toEqual(ok('after the replay'));
    expect(alice.receive('bob', bob.send('alice', 'still in sync'))).toEqual(ok('still in sync'));
  });

  it('rejects a message encrypted for another device', () => {
    const { alice, bob } = pair(proteus);
    const carol = pair(proteus).bob;
    expect(errorCode(carol.receive('alice', alice.send('bob', 'for bob')))).toBe('proteus-session-not-found');
    expect(bob.session('alice').states.length).toBe(1);
  });

  it('never changes the session it is given: encrypting twice from the same state gives the same counter', () => {
    const { alice } = pair(proteus);
    const session = alice.session('bob');
    const a = value(proteus.encrypt(session, text('x')));
    const b = value(proteus.encrypt(session, text('x')));
    expect(a.envelope).toEqual(b.envelope);
    expect(value(proteus.encodeSession(session))).toEqual(value(proteus.encodeSession(alice.session('bob'))));
  });

  it('survives serialisation between every message', () => {
    const { alice, bob } = pair(proteus);
    const restore = (device: TestDevice, peer: string) => {
      const bytes = value(proteus.encodeSession(device.session(peer)));
      device.sessions.set(peer, value(proteus.decodeSession(device.identity, bytes)));
    };
    const pending = alice.send('bob', 'pending across restore');
    for (let round = 0; round < 4; round++) {
      restore(alice, 'bob');
      restore(bob, 'alice');
      expect(alice.receive('bob', bob.send('alice', `b${round}`))).toEqual(ok(`b${round}`));
      restore(alice, 'bob');
      expect(bob.receive('alice', alice.send('bob', `a${round}`))).toEqual(ok(`a${round}`));
    }
    restore(bob, 'alice');
    expect(bob.receive('alice', pending)).toEqual(ok('pending across restore'));
  });

  it('refuses to load a session under another identity', () => {
    const { alice, bob } = pair(proteus);
    const bytes = value(proteus.encodeSession(alice.session('bob')));
    expect(errorCode(proteus.decodeSession(bob.identity, bytes))).toBe('proteus-local-identity-changed');
  });

  it('replaces a broken session when the peer starts a new one from a fresh prekey', () => {
    const { alice, bob } = pair(proteus);
    // Alice loses her session (e.g. restored an old backup) and starts over.
    alice.sessions.delete('bob');
    const [fresh] = bob.publish(2, 1);
    if (fresh === undefined) throw new Error('no prekey');
    alice.connect('bob', fresh);
    expect(bob.receive('alice', alice.send('bob', 'after reset'))).toEqual(ok('after reset'));
    expect(bob.consumed).toEqual([1, 2]);
    expect(bob.session('alice').states.length).toBe(2);
    expect(alice.receive('bob', bob.send('alice', 'reply on the new session'))).toEqual(ok('reply on the new session'));
    expect(bob.receive('alice', alice.send('bob', 'and on'))).toEqual(ok('and on'));
  });

  it('converges when both devices start a session to each other at the same time', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [aliceKey] = alice.publish(1, 1);
    const [bobKey] = bob.publish(1, 1);
    if (aliceKey === undefined || bobKey === undefined) throw new Error('no prekeys');
    alice.connect('bob', bobKey);
    bob.connect('alice', aliceKey);
    const fromAlice = alice.send('bob', 'hi from alice');
    const fromBob = bob.send('alice', 'hi from bob');
    expect(bob.receive('alice', fromAlice)).toEqual(ok('hi from alice'));
    expect(alice.receive('bob', fromBob)).toEqual(ok('hi from bob'));
    for (let round = 0; round < 3; round++) {
      expect(bob.receive('alice', alice.send('bob', `a${round}`))).toEqual(ok(`a${round}`));
      expect(alice.receive('bob', bob.send('alice', `b${round}`))).toEqual(ok(`b${round}`));
    }
    expect(alice.consumed).toEqual([1]);
    expect(bob.consumed).toEqual([1]);
  });

  it('refuses a prekey message from a different identity on an existing session', () => {
    const { bob } = pair(proteus);
    const mallory = new TestDevice(proteus);
    const [claimed] = bob.publish(3, 1);
    if (claimed === undefined) throw new Error('no prekey');
    mallory.connect('bob', claimed);
    const envelope = mallory.send('bob', 'I am alice');
    expect(errorCode(bob.receive('alice', envelope))).toBe('proteus-remote-identity-changed');
    expect(bob.prekeys.has(3)).toBe(true);
    // The UI can show the new fingerprint before the user decides.
    const summary = value(proteus.inspectEnvelope(envelope));
    expect(summary.kind).toBe('prekey');
    expect(proteus.fingerprint(summary.senderIdentity ?? new Uint8Array())).toBe(proteus.fingerprint(mallory.identity.keyPair.publicKey));
    expect(summary.prekeyId).toBe(3);
  });

  it('reports a cipher message without a session as session-not-found', () => {
    const stranger = new TestDevice(proteus);
    const { bob } = pair(proteus);
    const envelope = bob.send('alice', 'hi');
    expect(errorCode(stranger.receive('bob', envelope))).toBe('proteus-session-not-found');
  });
});
