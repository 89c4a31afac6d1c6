/**
 * Interop with Wire's own Proteus library (`@wireapp/proteus`, devDependency, tests only) used as
 * an oracle: sessions are established from each other's prekey bundles and messages flow both
 * ways, in and out of order; stored identities and sessions are readable by both libraries.
 */
import * as Wire from '@wireapp/proteus';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Prekey as ServerPrekey } from '../../../protocol/api/clients';
import type { IdentityKeyPair } from '../../../electron/core/crypto/proteus/identity';
import type { Prekey } from '../../../electron/core/crypto/proteus/prekeys';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import type { ProteusResult } from '../../../electron/core/crypto/proteus/proteusErrors';
import type { Session } from '../../../electron/core/crypto/proteus/session';

let proteus: ProteusApi;

beforeAll(async () => {
  proteus = await loadProteus();
  await Wire.init();
});

function value<T>(result: ProteusResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const read = (b: Uint8Array): string => new TextDecoder().decode(b);
/** A standalone ArrayBuffer (Node's base64 Buffers share a pool, which Wire's decoder would read from 0). */
const fromBase64 = (s: string): ArrayBuffer => new Uint8Array(Buffer.from(s, 'base64')).buffer;

/** A Wire client: identity, prekeys in a store that deletes consumed ones as Wire expects. */
class WireClient {
  readonly identity = new Wire.keys.IdentityKeyPair();
  private readonly prekeys = new Map<number, Uint8Array>();
  readonly deleted: number[] = [];

  addPrekey(id: number): ServerPrekey {
    const prekey = new Wire.keys.PreKey(id);
    this.prekeys.set(id, new Uint8Array(prekey.serialise()));
    const bundle = new Wire.keys.PreKeyBundle(this.identity.public_key, prekey);
    return bundle.serialised_json();
  }

  readonly store = {
    load_prekey: async (id: number): Promise<Wire.keys.PreKey | undefined> => {
      const bytes = this.prekeys.get(id);
      return bytes === undefined ? undefined : Wire.keys.PreKey.deserialise(bytes.slice().buffer);
    },
    delete_prekey: async (id: number): Promise<number> => {
      this.prekeys.delete(id);
      this.deleted.push(id);
      return id;
    },
  };

  async receiveFirst(envelope: Uint8Array): Promise<[Wire.session.Session, string]> {
    const [session, plaintext] = await Wire.session.Session.init_from_message(
      this.identity,
      this.store,
      Wire.message.Envelope.deserialise(envelope.slice().buffer),
    );
    return [session, read(plaintext)];
  }

  async receive(session: Wire.session.Session, envelope: Uint8Array): Promise<string> {
    return read(await session.decrypt(this.store, Wire.message.Envelope.deserialise(envelope.slice().buffer)));
  }
}

function wireSend(session: Wire.session.Session, plaintext: string): Uint8Array {
  return new Uint8Array(Wire.session.Session.encrypt(session, plaintext).serialise());
}

/** Our client, with its prekeys held the way the core would hold them. */
class CairnClient {
  readonly identity: IdentityKeyPair;
  readonly prekeys = new Map<number, Prekey>();
  session: Session | null = null;
  readonly consumed: number[] = [];

  constructor() {
    this.identity = value(proteus.generateIdentity());
  }

  publish(prekey: Prekey): ServerPrekey {
    this.prekeys.set(prekey.id, prekey);
    return value(proteus.serverPrekey(this.identity, prekey));
  }

  send(plaintext: string): Uint8Array {
    if (this.session === null) throw new Error('no session');
    const out = value(proteus.encrypt(this.session, text(plaintext)));
    this.session = out.session;
    return out.envelope;
  }

  receive(envelope: Uint8Array): string {
    const out = value(
      proteus.decrypt({
        identity: this.identity,
        session: this.session,
        envelope,
        loadPrekey: (id) => this.prekeys.get(id),
      }),
    );
    this.session = out.session;
    if (out.consumedPrekeyId !== null) {
      this.prekeys.delete(out.consumedPrekeyId);
      this.consumed.push(out.consumedPrekeyId);
    }
    return read(out.plaintext);
  }
}

describe('Proteus interop with Wire’s @wireapp/proteus', () => {
  it('our client starts a session from a Wire prekey bundle and both exchange messages in and out of order', async () => {
    const wire = new WireClient();
    const cairn = new CairnClient();
    cairn.session = value(proteus.sessionFromClaimedPrekey(cairn.identity, wire.addPrekey(7)));

    const first = cairn.send('hello wire');
    const second = cairn.send('second');
    const third = cairn.send('third');
    const [wireSession, plain] = await wire.receiveFirst(first);
    expect(plain).toBe('hello wire');
    expect(wire.deleted).toEqual([7]);
    expect(await wire.receive(wireSession, third)).toBe('third');
    expect(await wire.receive(wireSession, second)).toBe('second');

    const replies = [1, 2, 3, 4].map((n) => wireSend(wireSession, `reply ${n}`));
    expect(cairn.receive(replies[2] ?? new Uint8Array())).toBe('reply 3');
    expect(cairn.receive(replies[0] ?? new Uint8Array())).toBe('reply 1');
    expect(cairn.receive(replies[3] ?? new Uint8Array())).toBe('reply 4');
    expect(cairn.receive(replies[1] ?? new Uint8Array())).toBe('reply 2');

    // Several DH ratchet turns, with a late message from an older chain.
    const late = cairn.send('late from chain 2');
    for (let round = 0; round < 4; round++) {
      expect(await wire.receive(wireSession, cairn.send(`ping ${round}`))).toBe(`ping ${round}`);
      expect(cairn.receive(wireSend(wireSession, `pong ${round}`))).toBe(`pong ${round}`);
    }
    expect(await wire.receive(wireSession, late)).toBe('late from chain 2');
  });

  it('a Wire client starts a session from our prekey bundle and both exchange messages in and out of order', async () => {
    const wire = new WireClient();
    const cairn = new CairnClient();
    const prekey = value(proteus.generatePrekeys(42, 1))[0];
    if (prekey === undefined) throw new Error('no prekey');
    const published = cairn.publish(prekey);
    const bundle = Wire.keys.PreKeyBundle.deserialise(fromBase64(published.key));
    expect(bundle.prekey_id).toBe(42);
    // Wire reads our bundle and writes it back to the very same bytes.
    expect(new Uint8Array(bundle.serialise())).toEqual(new Uint8Array(fromBase64(published.key)));

    const wireSession = Wire.session.Session.init_from_prekey(wire.identity, bundle);
    const envelopes = ['one', 'two', 'three', 'four'].map((s) => wireSend(wireSession, s));
    expect(cairn.receive(envelopes[1] ?? new Uint8Array())).toBe('two');
    expect(cairn.consumed).toEqual([42]);
    expect(cairn.receive(envelopes[3] ?? new Uint8Array())).toBe('four');
    expect(cairn.receive(envelopes[0] ?? new Uint8Array())).toBe('one');
    expect(cairn.receive(envelopes[2] ?? new Uint8Array())).toBe('three');

    const back = [cairn.send('back 1'), cairn.send('back 2')];
    expect(await wire.receive(wireSession, back[1] ?? new Uint8Array())).toBe('back 2');
    expect(await wire.receive(wireSession, back[0] ?? new Uint8Array())).toBe('back 1');
    for (let round = 0; round < 3; round++) {
      expect(cairn.receive(wireSend(wireSession, `ping ${round}`))).toBe(`ping ${round}`);
      expect(await wire.receive(wireSession, cairn.send(`pong ${round}`))).toBe(`pong ${round}`);
    }
  });

  it('we accept a bundle Wire signed and refuse one whose signature Wire did not make', async () => {
    const wire = new WireClient();
    const prekey = new Wire.keys.PreKey(9);
    const signed = new Uint8Array(Wire.keys.PreKeyBundle.signed(wire.identity, prekey).serialise());
    const cairn = new CairnClient();
    cairn.session = value(proteus.sessionFromClaimedPrekey(cairn.identity, { id: 9, key: Buffer.from(signed).toString('base64') }));
    const other = new Wire.keys.IdentityKeyPair();
    const wrongSigner = other.secret_key.sign(prekey.key_pair.public_key.pub_edward);
    const forged = new Wire.keys.PreKeyBundle(wire.identity.public_key, 9, prekey.key_pair.public_key, wrongSigner);
    const result = proteus.sessionFromClaimedPrekey(cairn.identity, {
      id: 9,
      key: Buffer.from(new Uint8Array(forged.serialise())).toString('base64'),
    });
    expect(result.ok ? 'ok' : result.error.code).toBe('proteus-invalid-signature');
  });

  it('Wire can use our last-resort prekey for two sessions, and we keep it', async () => {
    const cairn = new CairnClient();
    const lastResort = cairn.publish(value(proteus.generateLastResortPrekey()));
    for (const name of ['first wire client', 'second wire client']) {
      const wire = new WireClient();
      const session = Wire.session.Session.init_from_prekey(
        wire.identity,
        Wire.keys.PreKeyBundle.deserialise(fromBase64(lastResort.key)),
      );
      cairn.session = null;
      expect(cairn.receive(wireSend(session, `hi from ${name}`))).toBe(`hi from ${name}`);
    }
    expect(cairn.consumed).toEqual([]);
    expect(cairn.prekeys.has(65535)).toBe(true);
  });

  it('identities and sessions we store are byte-compatible with Wire’s', async () => {
    const wire = new WireClient();
    const cairn = new CairnClient();
    const identityBytes = value(proteus.encodeIdentity(cairn.identity));
    const asWire = Wire.keys.IdentityKeyPair.deserialise(identityBytes.slice().buffer);
    expect(asWire.public_key.fingerprint()).toBe(proteus.fingerprint(cairn.identity.keyPair.publicKey));
    expect(new Uint8Array(asWire.serialise())).toEqual(identityBytes);

    // Our session, handed to Wire mid-conversation, keeps decrypting and encrypting.
    cairn.session = value(proteus.sessionFromClaimedPrekey(cairn.identity, wire.addPrekey(3)));
    const [wireSession] = await wire.receiveFirst(cairn.send('start'));
    cairn.receive(wireSend(wireSession, 'ack'));
    const pendingForUs = wireSend(wireSession, 'in flight');
    const stored = value(proteus.encodeSession(cairn.session));
    const restoredByWire = Wire.session.Session.deserialise(asWire, stored.slice().buffer);
    expect(new Uint8Array(restoredByWire.serialise())).toEqual(stored);
    expect(read(await restoredByWire.decrypt(wire.store, Wire.message.Envelope.deserialise(pendingForUs.slice().buffer)))).toBe(
      'in flight',
    );

    // And a session Wire stored is one we can continue.
    const wireStored = new Uint8Array(restoredByWire.serialise());
    cairn.session = value(proteus.decodeSession(cairn.identity, wireStored));
    expect(await wire.receive(wireSession, cairn.send('after restore'))).toBe('after restore');
    expect(wire.identity.public_key.fingerprint()).toBe(proteus.fingerprint(cairn.session.remoteIdentity));
  });

  it('a Wire client that resets the session is accepted and the new session works both ways', async () => {
    const wire = new WireClient();
    const cairn = new CairnClient();
    const bundleFor = (p: ServerPrekey) => Wire.keys.PreKeyBundle.deserialise(fromBase64(p.key));
    const [one, two] = value(proteus.generatePrekeys(10, 2)).map((p) => cairn.publish(p));
    if (one === undefined || two === undefined) throw new Error('no prekeys');

    const firstSession = Wire.session.Session.init_from_prekey(wire.identity, bundleFor(one));
    expect(cairn.receive(wireSend(firstSession, 'before reset'))).toBe('before reset');
    const resetSession = Wire.session.Session.init_from_prekey(wire.identity, bundleFor(two));
    expect(cairn.receive(wireSend(resetSession, 'after reset'))).toBe('after reset');
    expect(cairn.consumed).toEqual([10, 11]);
    expect(await wire.receive(resetSession, cairn.send('reply to the new session'))).toBe('reply to the new session');

    // A session holding two states (before and after the reset) is stored byte-compatibly too.
    if (cairn.session === null) throw new Error('no session');
    expect(cairn.session.states).toHaveLength(2);
    const stored = value(proteus.encodeSession(cairn.session));
    const asWire = Wire.keys.IdentityKeyPair.deserialise(value(proteus.encodeIdentity(cairn.identity)).slice().buffer);
    expect(new Uint8Array(Wire.session.Session.deserialise(asWire, stored.slice().buffer).serialise())).toEqual(stored);
  });

  it('converges with Wire when both start a session to each other at the same time', async () => {
    const wire = new WireClient();
    const cairn = new CairnClient();
    const ourPrekey = value(proteus.generatePrekeys(1, 1))[0];
    if (ourPrekey === undefined) throw new Error('no prekey');
    const ourBundle = Wire.keys.PreKeyBundle.deserialise(fromBase64(cairn.publish(ourPrekey).key));
    const wireSession = Wire.session.Session.init_from_prekey(wire.identity, ourBundle);
    cairn.session = value(proteus.sessionFromClaimedPrekey(cairn.identity, wire.addPrekey(1)));
    const fromWire = wireSend(wireSession, 'hi from wire');
    const fromUs = cairn.send('hi from cairn');
    expect(cairn.receive(fromWire)).toBe('hi from wire');
    expect(await wire.receive(wireSession, fromUs)).toBe('hi from cairn');
    for (let round = 0; round < 3; round++) {
      expect(await wire.receive(wireSession, cairn.send(`c${round}`))).toBe(`c${round}`);
      expect(cairn.receive(wireSend(wireSession, `w${round}`))).toBe(`w${round}`);
    }
  });

  it('refuses a stale replayed last-resort prekey message that Wire’s library would accept and break on', async () => {
    // Wire ↔ Wire, for contrast: the replay decrypts a second time and the session breaks.
    const wireBob = new WireClient();
    const wireAlice = new WireClient();
    const wireAliceSession = Wire.session.Session.init_from_prekey(
      wireAlice.identity,
      Wire.keys.PreKeyBundle.deserialise(fromBase64(wireBob.addPrekey(65535).key)),
    );
    const wireFirst = wireSend(wireAliceSession, 'first');
    const [wireBobSession] = await wireBob.receiveFirst(wireFirst);
    // Cairn as Bob, with Wire as Alice.
    const cairn = new CairnClient();
    const alice = new WireClient();
    const aliceSession = Wire.session.Session.init_from_prekey(
      alice.identity,
      Wire.keys.PreKeyBundle.deserialise(fromBase64(cairn.publish(value(proteus.generateLastResortPrekey())).key)),
    );
    const first = wireSend(aliceSession, 'first');
    expect(cairn.receive(first)).toBe('first');
    for (let turn = 0; turn < 7; turn++) {
      await wireAlice.receive(wireAliceSession, wireSend(wireBobSession, `b${turn}`));
      await wireBob.receive(wireBobSession, wireSend(wireAliceSession, `a${turn}`));
      expect(await alice.receive(aliceSession, cairn.send(`b${turn}`))).toBe(`b${turn}`);
      expect(cairn.receive(wireSend(aliceSession, `a${turn}`))).toBe(`a${turn}`);
    }
    expect(await wireBob.receive(wireBobSession, wireFirst)).toBe('first');
    await expect(wireBob.receive(wireBobSession, wireSend(wireAliceSession, 'after'))).rejects.toBeInstanceOf(
      Wire.errors.DecryptError.InvalidSignature,
    );

    const replay = proteus.decrypt({ identity: cairn.identity, session: cairn.session, envelope: first, loadPrekey: (id) => cairn.prekeys.get(id) });
    expect(replay.ok ? 'ok' : replay.error.code).toBe('proteus-invalid-signature');
    expect(cairn.receive(wireSend(aliceSession, 'after'))).toBe('after');
  });

  it('both libraries draw the skipped-message line at 1000 and classify replays and tampering alike', async () => {
    const wire = new WireClient();
    const cairn = new CairnClient();
    cairn.session = value(proteus.sessionFromClaimedPrekey(cairn.identity, wire.addPrekey(1)));
    const [wireSession] = await wire.receiveFirst(cairn.send('start'));
    expect(cairn.receive(wireSend(wireSession, 'ack'))).toBe('ack');

    // Our chain towards Wire is fresh (we ratcheted on "ack"): counters 0..1001.
    const ours = Array.from({ length: 1002 }, (_, i) => cairn.send(`ours ${i}`));
    await expect(wire.receive(wireSession, ours[1001] ?? new Uint8Array())).rejects.toBeInstanceOf(
      Wire.errors.DecryptError.TooDistantFuture,
    );
    expect(await wire.receive(wireSession, ours[1000] ?? new Uint8Array())).toBe('ours 1000');
    expect(await wire.receive(wireSession, ours[500] ?? new Uint8Array())).toBe('ours 500');
    expect(await wire.receive(wireSession, ours[0] ?? new Uint8Array())).toBe('ours 0');
    await expect(wire.receive(wireSession, ours[500] ?? new Uint8Array())).rejects.toBeInstanceOf(
      Wire.errors.DecryptError.DuplicateMessage,
    );
    // Below the oldest key still buffered, Wire cannot tell a replay from a dropped key.
    await expect(wire.receive(wireSession, ours[0] ?? new Uint8Array())).rejects.toBeInstanceOf(
      Wire.errors.DecryptError.OutdatedMessage,
    );

    const theirs = Array.from({ length: 1002 }, (_, i) => wireSend(wireSession, `theirs ${i}`));
    const attempt = (envelope: Uint8Array | undefined) => {
      const result = proteus.decrypt({
        identity: cairn.identity,
        session: cairn.session,
        envelope: envelope ?? new Uint8Array(),
        loadPrekey: () => undefined,
      });
      return result.ok ? 'ok' : result.error.code;
    };
    expect(attempt(theirs[1001])).toBe('proteus-too-distant-future');
    expect(cairn.receive(theirs[1000] ?? new Uint8Array())).toBe('theirs 1000');
    const tampered = (theirs[5] ?? new Uint8Array()).slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x80;
    expect(attempt(tampered)).toBe('proteus-invalid-signature');
    expect(cairn.receive(theirs[5] ?? new Uint8Array())).toBe('theirs 5');
    expect(cairn.receive(theirs[0] ?? new Uint8Array())).toBe('theirs 0');
    expect(attempt(theirs[5])).toBe('proteus-duplicate-message');
    expect(attempt(theirs[0])).toBe('proteus-outdated-message');
  });
});
