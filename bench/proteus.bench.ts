/**
 * Cost of one Proteus message (encrypt + decrypt, 100 bytes, direction alternating so every
 * message also takes a DH ratchet step) with our implementation, against Wire's own
 * @wireapp/proteus doing the same in the same run. Only the ratio means anything here.
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

export async function run(): Promise<BenchResult> {
  const proteus = await loadProteus();
  await Wire.init();

  // Ours: Alice and Bob after one round trip.
  const alice = value(proteus.generateIdentity());
  const bob = value(proteus.generateIdentity());
  const bobPrekey = value(proteus.generatePrekeys(1, 1))[0];
  if (bobPrekey === undefined) throw new Error('no prekey');
  const sessions: { alice: Session; bob: Session | null } = {
    alice: value(proteus.sessionFromClaimedPrekey(alice, value(proteus.serverPrekey(bob, bobPrekey)))),
    bob: null,
  };
  let aliceTurn = true;
  const ours = async (): Promise<void> => {
    const [from, to, toIdentity] = aliceTurn ? (['alice', 'bob', bob] as const) : (['bob', 'alice', alice] as const);
    const sender = sessions[from];
    if (sender === null) throw new Error('no session');
    const sent = value(proteus.encrypt(sender, PAYLOAD));
    sessions[from] = sent.session;
    const got = value(
      proteus.decrypt({ identity: toIdentity, session: sessions[to], envelope: sent.envelope, loadPrekey: () => bobPrekey }),
    );
    if (to === 'alice') sessions.alice = got.session;
    else sessions.bob = got.session;
    aliceTurn = !aliceTurn;
  };

  // Wire's library, same conversation.
  const wAlice = new Wire.keys.IdentityKeyPair();
  const wBob = new Wire.keys.IdentityKeyPair();
  const wPrekey = new Wire.keys.PreKey(1);
  const store = { load_prekey: async () => wPrekey, delete_prekey: async (id: number) => id };
  const wAliceSession = Wire.session.Session.init_from_prekey(
    wAlice,
    Wire.keys.PreKeyBundle.deserialise(new Wire.keys.PreKeyBundle(wBob.public_key, wPrekey).serialise()),
  );
  const first = Wire.session.Session.encrypt(wAliceSession, PAYLOAD);
  const firstEnvelope = Wire.message.Envelope.deserialise(first.serialise());
  const [wBobSession] = await Wire.session.Session.init_from_message(wBob, store, firstEnvelope);
  let wireAliceTurn = true;
  const wire = async (): Promise<void> => {
    const [sender, receiver] = wireAliceTurn ? [wAliceSession, wBobSession] : [wBobSession, wAliceSession];
    const bytes = Wire.session.Session.encrypt(sender, PAYLOAD).serialise();
    await receiver.decrypt(store, Wire.message.Envelope.deserialise(bytes));
    wireAliceTurn = !wireAliceTurn;
  };

  const baseline = await measure(ROUNDS, wire);
  const subject = await measure(ROUNDS, ours);
  return {
    name: 'Proteus message (encrypt + decrypt, DH ratchet each turn)',
    baselineName: '@wireapp/proteus 9.13.0',
    baseline,
    subject,
  };
}
