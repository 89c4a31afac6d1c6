/**
 * Cost of one Proteus message (encrypt + decrypt, 100 bytes) with our implementation, against
 * Wire's own @wireapp/proteus doing the same in the same run: once with the direction
 * alternating (every message also takes a DH ratchet step), once all in one direction (one
 * hash-ratchet chain). Only the ratios mean anything here.
 */
import * as Wire from '@wireapp/proteus';
import { loadProteus } from '../electron/core/crypto/proteus/proteusApi';
import type { ProteusResult } from '../electron/core/crypto/proteus/proteusErrors';
import type { Session } from '../electron/core/crypto/proteus/session';
import type { BenchResult } from './harness';
import { measure } from './harness';

const ROUNDS = 1000;
const PAYLOAD = new Uint8Array(100).fill(0x61);

function value<T>(result: ProteusResult<T>): T {
  if (!result.ok) throw new Error(result.error.code);
  return result.value;
}

type Direction = 'alice-to-bob' | 'bob-to-alice';
type Step = (direction: Direction) => Promise<void>;

/** Our Alice and Bob after the first message; each step sends one message one way. */
async function ourConversation(): Promise<Step> {
  const proteus = await loadProteus();
  const alice = value(proteus.generateIdentity());
  const bob = value(proteus.generateIdentity());
  const bobPrekey = value(proteus.generatePrekeys(1, 1))[0];
  if (bobPrekey === undefined) throw new Error('no prekey');
  const aliceSession = value(proteus.sessionFromClaimedPrekey(alice, value(proteus.serverPrekey(bob, bobPrekey))));
  const first = value(proteus.encrypt(aliceSession, PAYLOAD));
  const sessions: { alice: Session; bob: Session } = {
    alice: first.session,
    bob: value(proteus.decrypt({ identity: bob, session: null, envelope: first.envelope, loadPrekey: () => bobPrekey })).session,
  };
  return async (direction) => {
    const [from, to, toIdentity] =
      direction === 'alice-to-bob' ? (['alice', 'bob', bob] as const) : (['bob', 'alice', alice] as const);
    const sent = value(proteus.encrypt(sessions[from], PAYLOAD));
    sessions[from] = sent.session;
    const request = { identity: toIdentity, session: sessions[to], envelope: sent.envelope, loadPrekey: () => undefined };
    sessions[to] = value(proteus.decrypt(request)).session;
  };
}

/** The same with Wire's library. */
async function wireConversation(): Promise<Step> {
  await Wire.init();
  const alice = new Wire.keys.IdentityKeyPair();
  const bob = new Wire.keys.IdentityKeyPair();
  const prekey = new Wire.keys.PreKey(1);
  const store = { load_prekey: async () => prekey, delete_prekey: async (id: number) => id };
  const aliceSession = Wire.session.Session.init_from_prekey(
    alice,
    Wire.keys.PreKeyBundle.deserialise(new Wire.keys.PreKeyBundle(bob.public_key, prekey).serialise()),
  );
  const firstEnvelope = Wire.message.Envelope.deserialise(Wire.session.Session.encrypt(aliceSession, PAYLOAD).serialise());
  const [bobSession] = await Wire.session.Session.init_from_message(bob, store, firstEnvelope);
  return async (direction) => {
    const [sender, receiver] = direction === 'alice-to-bob' ? [aliceSession, bobSession] : [bobSession, aliceSession];
    const bytes = Wire.session.Session.encrypt(sender, PAYLOAD).serialise();
    await receiver.decrypt(store, Wire.message.Envelope.deserialise(bytes));
  };
}

function alternating(step: Step): () => Promise<void> {
  let aliceTurn = true;
  return async () => {
    await step(aliceTurn ? 'alice-to-bob' : 'bob-to-alice');
    aliceTurn = !aliceTurn;
  };
}

export async function run(): Promise<BenchResult[]> {
  const baselineName = '@wireapp/proteus 9.13.0';
  const [ours, wire] = [await ourConversation(), await wireConversation()];
  const pingPong = {
    name: 'Proteus message, direction alternating (encrypt + decrypt + DH ratchet)',
    baselineName,
    baseline: await measure(ROUNDS, alternating(wire)),
    subject: await measure(ROUNDS, alternating(ours)),
  };
  const oneWay = {
    name: 'Proteus message, same direction (encrypt + decrypt on one chain)',
    baselineName,
    baseline: await measure(ROUNDS, () => wire('alice-to-bob')),
    subject: await measure(ROUNDS, () => ours('alice-to-bob')),
  };
  return [pingPong, oneWay];
}
