import type { Prekey as ServerPrekey } from '../../../protocol/api/clients';
import type { IdentityKeyPair } from '../../../electron/core/crypto/proteus/identity';
import type { Prekey } from '../../../electron/core/crypto/proteus/prekeys';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import type { ProteusErrorCode, ProteusResult } from '../../../electron/core/crypto/proteus/proteusErrors';
import type { Session } from '../../../electron/core/crypto/proteus/session';

/** Test helpers: one simulated device holding identity, prekeys and sessions as the core would. */
export function value<T>(result: ProteusResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function errorCode<T>(result: ProteusResult<T>): ProteusErrorCode | 'ok' {
  return result.ok ? 'ok' : result.error.code;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const read = (b: Uint8Array): string => new TextDecoder().decode(b);

export class TestDevice {
  readonly identity: IdentityKeyPair;
  readonly prekeys = new Map<number, Prekey>();
  readonly sessions = new Map<string, Session>();
  readonly consumed: number[] = [];

  constructor(private readonly proteus: ProteusApi) {
    this.identity = value(proteus.generateIdentity());
  }

  /** Publishes `count` one-time prekeys from `startId`, as server JSON. */
  publish(startId: number, count: number): ServerPrekey[] {
    return value(this.proteus.generatePrekeys(startId, count)).map((p) => this.publishOne(p));
  }

  publishOne(prekey: Prekey): ServerPrekey {
    this.prekeys.set(prekey.id, prekey);
    return value(this.proteus.serverPrekey(this.identity, prekey));
  }

  connect(peer: string, claimed: ServerPrekey): void {
    this.sessions.set(peer, value(this.proteus.sessionFromClaimedPrekey(this.identity, claimed)));
  }

  send(peer: string, plaintext: string): Uint8Array {
    const session = this.sessions.get(peer);
    if (session === undefined) throw new Error(`no session with ${peer}`);
    const out = value(this.proteus.encrypt(session, text(plaintext)));
    this.sessions.set(peer, out.session);
    return out.envelope;
  }

  /** Decrypts; on success stores the new session and deletes a consumed prekey, like the core. */
  receive(peer: string, envelope: Uint8Array): ProteusResult<string> {
    const result = this.proteus.decrypt({
      identity: this.identity,
      session: this.sessions.get(peer) ?? null,
      envelope,
      loadPrekey: (id) => this.prekeys.get(id),
    });
    if (!result.ok) return result;
    this.sessions.set(peer, result.value.session);
    if (result.value.consumedPrekeyId !== null) {
      this.prekeys.delete(result.value.consumedPrekeyId);
      this.consumed.push(result.value.consumedPrekeyId);
    }
    return { ok: true, value: read(result.value.plaintext) };
  }

  session(peer: string): Session {
    const session = this.sessions.get(peer);
    if (session === undefined) throw new Error(`no session with ${peer}`);
    return session;
  }
}

/** Alice and Bob after one round trip: Alice's prekey message, Bob's reply. */
export function pair(proteus: ProteusApi): { alice: TestDevice; bob: TestDevice } {
  const alice = new TestDevice(proteus);
  const bob = new TestDevice(proteus);
  const [claimed] = bob.publish(1, 1);
  if (claimed === undefined) throw new Error('no prekey');
  alice.connect('bob', claimed);
  const hello = bob.receive('alice', alice.send('bob', 'hello'));
  if (!hello.ok) throw new Error(hello.error.code);
  const reply = alice.receive('bob', bob.send('alice', 'welcome'));
  if (!reply.ok) throw new Error(reply.error.code);
  return { alice, bob };
}
