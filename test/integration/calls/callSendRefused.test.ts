import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCore } from '../../support/cores';
import { addRawDevice, joinExternally } from '../../support/rawMember';
import { useTestServer } from '../../support/testServer';
import { activities, ask, description, refusal, states, waitForPhase } from './support/callCores';

/*
 * Issue 13: a call message goes out at once or not at all (never into a resend queue), and the
 * rules of sending apply to it like to text: nothing goes to devices the user has not accepted
 * (seed 002, degraded conversations). A setup that cannot be sent leaves no call behind: the
 * request fails with the sending error, the reservation stays, and nobody rings.
 */

const env = useTestServer('call-send-refused');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let bobUser: SignedInUser;

beforeAll(async () => {
  alice = startCore(env.root, 'alice');
  bob = startCore(env.root, 'bob');
  cores.push(alice, bob);
  await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
}, 60_000);

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function verification(o: ObservedCore, id: string): Promise<string | undefined> {
  const result = await o.core.router.request('conversations.list', {});
  return result.ok ? result.value.conversations.find((c) => c.id === id)?.verification : undefined;
}

describe('a call setup that cannot be sent', () => {
  it('fails the start with the sending error and leaves no call, and calling works once the user accepts the new device', async () => {
    const chat = (await ask(alice, 'conversations.openOneToOne', { user: { id: bobUser.id, domain: bobUser.domain } })).id;
    const bobDevices = await ask(bob, 'account.devices', {});
    const bobFingerprint = bobDevices.devices.find((d) => d.current)?.mlsFingerprint;
    if (!bobFingerprint) throw new Error('Bob shows no fingerprint');
    await ask(alice, 'devices.verify', { user: { id: bobUser.id, domain: bobUser.domain }, clientId: bobUser.clientId, fingerprint: bobFingerprint, verified: true });
    expect(await verification(alice, chat)).toBe('verified');

    const { callId } = await ask(alice, 'calls.prepare', { conversationId: chat, media: 'audio' });
    expect(activities(alice).at(-1)).toEqual({ active: true, ringing: false });

    // A device of Bob that Alice has not verified joins: nothing may be sent to it now.
    const phone = await addRawDevice(env.server, 'bob@example.test', 'Bob');
    await joinExternally(phone, chat);
    await expect.poll(() => verification(alice, chat), { timeout: 20_000 }).toBe('degraded');

    expect(await refusal(alice, 'calls.start', { callId, offer: description() })).toBe('conversation-degraded');
    expect(states(alice, callId)).toEqual([]);
    expect((await ask(alice, 'calls.list', {})).calls).toEqual([]);
    // The reservation is still there: giving it back ends the camera and microphone grant.
    expect(activities(alice).at(-1)).toEqual({ active: true, ringing: false });
    expect(await ask(alice, 'calls.hangUp', { callId, dataChannelOpen: false })).toMatchObject({ callId, phase: 'ended', reason: { kind: 'cancelled' } });
    expect(activities(alice).at(-1)).toEqual({ active: false, ringing: false });
    // Nothing is prepared in a degraded conversation either.
    expect(await refusal(alice, 'calls.prepare', { conversationId: chat, media: 'audio' })).toBe('conversation-degraded');

    await ask(alice, 'conversations.acceptDegraded', { conversationId: chat });
    const next = await ask(alice, 'calls.prepare', { conversationId: chat, media: 'audio' });
    await ask(alice, 'calls.start', { callId: next.callId, offer: description() });
    await waitForPhase(bob, next.callId, 'incoming');
    // The refused setup never reached Bob.
    expect(states(bob, callId)).toEqual([]);
    await ask(alice, 'calls.hangUp', { callId: next.callId, dataChannelOpen: false });
    await waitForPhase(bob, next.callId, 'ended:cancelled');
  }, 90_000);
});
