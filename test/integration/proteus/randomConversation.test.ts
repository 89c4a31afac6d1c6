/**
 * Differential test against Wire's Proteus: the same random conversation (sends both ways,
 * reordering, drops, re-deliveries) is played by Wire ↔ Wire, by our client ↔ Wire (both
 * directions of who starts) and by our client ↔ our client. Every delivery must end the same
 * way in all four — decrypted to the same text, or refused for the same reason.
 *
 * One-time prekeys are used: with them, Wire refusing a stale PreKeyMessage of a known session
 * ("prekey not found" when it tries to start over) is the same refusal as ours (the MAC check
 * against the session we hold). See session.ts for why we never start over on a known tag.
 */
import * as Wire from '@wireapp/proteus';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Prekey as ServerPrekey } from '../../../protocol/api/clients';
import type { IdentityKeyPair } from '../../../electron/core/crypto/proteus/identity';
import type { Prekey } from '../../../electron/core/crypto/proteus/prekeys';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import type { ProteusErrorCode } from '../../../electron/core/crypto/proteus/proteusErrors';
import type { Session } from '../../../electron/core/crypto/proteus/session';

let proteus: ProteusApi;
beforeAll(async () => {
  proteus = await loadProteus();
  await Wire.init();
});

type Outcome = string;

/** One side of a conversation, whichever library implements it. */
interface Party {
  /** The prekey this party publishes, as the server would hand it out. */
  publish(): ServerPrekey;
  /** Starts the session from the peer's published prekey. */
  start(peer: ServerPrekey): void;
  hasSession(): boolean;
  send(text: string): Promise<Uint8Array>;
  receive(envelope: Uint8Array): Promise<Outcome>;
}

function ourKind(code: ProteusErrorCode): string {
  switch (code) {
    case 'proteus-duplicate-message':
      return 'duplicate';
    case 'proteus-outdated-message':
      return 'outdated';
    case 'proteus-too-distant-future':
      return 'too-distant';
    case 'proteus-invalid-signature':
      return 'invalid-signature';
    default:
      return code;
  }
}

function wireKind(error: unknown): string {
  const E = Wire.errors.DecryptError;
  if (error instanceof Wire.errors.ProteusError && error.code === Wire.errors.ProteusError.CODE.CASE_101) return 'invalid-signature';
  if (error instanceof E.DuplicateMessage) return 'duplicate';
  if (error instanceof E.OutdatedMessage) return 'outdated';
  if (error instanceof E.TooDistantFuture) return 'too-distant';
  if (error instanceof E.InvalidSignature) return 'invalid-signature';
  return `wire: ${error instanceof Error ? error.message : String(error)}`;
}

class CairnParty implements Party {
  private readonly identity: IdentityKeyPair;
  private readonly prekeys = new Map<number, Prekey>();
  private session: Session | null = null;

  constructor() {
    const identity = proteus.generateIdentity();
    if (!identity.ok) throw new Error(identity.error.code);
    this.identity = identity.value;
  }

  publish(): ServerPrekey {
    const generated = proteus.generatePrekeys(1, 1);
    if (!generated.ok || generated.value[0] === undefined) throw new Error('no prekey');
    const one = generated.value[0];
    this.prekeys.set(one.id, one);
    const published = proteus.serverPrekey(this.identity, one);
    if (!published.ok) throw new Error(published.error.code);
    return published.value;
  }

  start(peer: ServerPrekey): void {
    const session = proteus.sessionFromClaimedPrekey(this.identity, peer);
    if (!session.ok) throw new Error(session.error.code);
    this.session = session.value;
  }

  hasSession(): boolean {
    return this.session !== null;
  }

  async send(text: string): Promise<Uint8Array> {
    if (this.session === null) throw new Error('no session');
    const out = proteus.encrypt(this.session, new TextEncoder().encode(text));
    if (!out.ok) throw new Error(out.error.code);
    this.session = out.value.session;
    return out.value.envelope;
  }

  async receive(envelope: Uint8Array): Promise<Outcome> {
    const out = proteus.decrypt({ identity: this.identity, session: this.session, envelope, loadPrekey: (id) => this.prekeys.get(id) });
    if (!out.ok) return ourKind(out.error.code);
    this.session = out.value.session;
    if (out.value.consumedPrekeyId !== null) this.prekeys.delete(out.value.consumedPrekeyId);
    return `ok: ${new TextDecoder().decode(out.value.plaintext)}`;
  }
}

class WireParty implements Party {
  private readonly identity = new Wire.keys.IdentityKeyPair();
  private readonly prekeys = new Map<number, Uint8Array>();
  private session: Wire.session.Session | null = null;
  private readonly store = {
    load_prekey: async (id: number) => {
      const bytes = this.prekeys.get(id);
      return bytes === undefined ? undefined : Wire.keys.PreKey.deserialise(bytes.slice().buffer);
    },
    delete_prekey: async (id: number) => {
      this.prekeys.delete(id);
      return id;
    },
  };

  publish(): ServerPrekey {
    const prekey = new Wire.keys.PreKey(1);
    this.prekeys.set(1, new Uint8Array(prekey.serialise()));
    return new Wire.keys.PreKeyBundle(this.identity.public_key, prekey).serialised_json();
  }

  start(peer: ServerPrekey): void {
    const bundle = Wire.keys.PreKeyBundle.deserialise(new Uint8Array(Buffer.from(peer.key, 'base64')).buffer);
    this.session = Wire.session.Session.init_from_prekey(this.identity, bundle);
  }

  hasSession(): boolean {
    return this.session !== null;
  }

  async send(text: string): Promise<Uint8Array> {
    if (this.session === null) throw new Error('no session');
    return new Uint8Array(Wire.session.Session.encrypt(this.session, text).serialise());
  }

  async receive(envelope: Uint8Array): Promise<Outcome> {
    try {
      const parsed = Wire.message.Envelope.deserialise(envelope.slice().buffer);
      if (this.session === null) {
        const [session, plaintext] = await Wire.session.Session.init_from_message(this.identity, this.store, parsed);
        this.session = session;
        return `ok: ${new TextDecoder().decode(plaintext)}`;
      }
      return `ok: ${new TextDecoder().decode(await this.session.decrypt(this.store, parsed))}`;
    } catch (error: unknown) {
      return wireKind(error);
    }
  }
}

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

/** Plays one seeded conversation between `a` (who starts) and `b`; returns every delivery's outcome. */
async function play(seed: number, a: Party, b: Party, steps: number): Promise<Outcome[]> {
  const random = prng(seed);
  a.start(b.publish());
  a.publish();
  const inbox: Record<'a' | 'b', { envelope: Uint8Array; age: number }[]> = { a: [], b: [] };
  const delivered: Record<'a' | 'b', Uint8Array[]> = { a: [], b: [] };
  const outcomes: Outcome[] = [];
  let sent = 0;
  for (let step = 0; step < steps; step++) {
    const roll = random();
    const [from, to] = random() < 0.5 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    const sender = from === 'a' ? a : b;
    const receiver = to === 'a' ? a : b;
    const queue = inbox[to];
    for (const item of queue) item.age++;
    if (roll < 0.45) {
      if (sender.hasSession()) queue.push({ envelope: await sender.send(`${from}${sent++}`), age: 0 });
    } else if (roll < 0.9 && queue.length > 0) {
      // Deliver one of the first three, or the oldest once it has waited 8 steps.
      const index = (queue[0]?.age ?? 0) > 8 ? 0 : Math.floor(random() * Math.min(3, queue.length));
      const [item] = queue.splice(index, 1);
      if (item === undefined) continue;
      if (random() < 0.05) continue; // dropped on the way
      delivered[to].push(item.envelope);
      outcomes.push(`${to} ${await receiver.receive(item.envelope)}`);
    } else if (delivered[to].length > 0) {
      // The server delivers an old message again.
      const again = delivered[to][Math.floor(random() * delivered[to].length)];
      if (again !== undefined) outcomes.push(`${to} again ${await receiver.receive(again)}`);
    }
  }
  return outcomes;
}

describe('a random conversation played against Wire’s Proteus', () => {
  it.each([11, 2024, 777])('ends every delivery the same way as Wire does (seed %i)', async (seed) => {
    const steps = 300;
    const reference = await play(seed, new WireParty(), new WireParty(), steps);
    const weStart = await play(seed, new CairnParty(), new WireParty(), steps);
    const wireStarts = await play(seed, new WireParty(), new CairnParty(), steps);
    const onlyUs = await play(seed, new CairnParty(), new CairnParty(), steps);
    expect(weStart).toEqual(reference);
    expect(wireStarts).toEqual(reference);
    expect(onlyUs).toEqual(reference);
    // The scenario is not degenerate: most deliveries decrypt, and replays are refused.
    expect(reference.filter((o) => o.includes(' ok: ')).length).toBeGreaterThan(reference.length / 2);
    expect(reference.some((o) => o.includes('again duplicate') || o.includes('again outdated'))).toBe(true);
  });
});
