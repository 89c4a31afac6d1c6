import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSdpFingerprint, sdpFingerprints } from '../../../electron/core/calls/sdpFingerprint';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCore } from '../../support/cores';
import { useTestServer } from '../../support/testServer';
import { activities, ask, description, descriptionsOf, waitForLine, waitForPhase } from './support/callCores';

/*
 * Issue 13: the DTLS fingerprint is bound to the E2EE identity. The test seam
 * `testSeams.alterReceivedCallFingerprints` makes a core deliver every received call description
 * with another fingerprint, in the SDP and the fingerprint field alike, as a rewriter of the
 * signalling would: the core's own consistency check passes, so only the renderer's DTLS
 * handshake can catch it (the e2e test does that with real media). Here: the altered description
 * is exactly what `call.description` delivers, and the failure the renderer then reports ends the
 * call with the sentence for it.
 */

const env = useTestServer('call-tamper');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let bobUser: SignedInUser;

beforeAll(async () => {
  alice = startCore(env.root, 'alice');
  bob = startCore(env.root, 'bob', { testSeams: { alterReceivedCallFingerprints: true } });
  cores.push(alice, bob);
  await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
}, 60_000);

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

describe('the fingerprint tamper test seam', () => {
  it('delivers the offer with another certificate named consistently, and the failed handshake ends the call as not verified', async () => {
    const chat = (await ask(alice, 'conversations.openOneToOne', { user: { id: bobUser.id, domain: bobUser.domain } })).id;
    const { callId } = await ask(alice, 'calls.prepare', { conversationId: chat, media: 'video' });
    const offer = description();
    await ask(alice, 'calls.start', { callId, offer });
    await waitForPhase(bob, callId, 'incoming', 30_000);

    const [delivered] = descriptionsOf(bob, callId);
    if (delivered === undefined) throw new Error('no offer delivered');
    expect(delivered.fingerprint.algorithm).toBe(offer.fingerprint.algorithm);
    expect(delivered.fingerprint.value).not.toBe(offer.fingerprint.value);
    expect(delivered.fingerprint.value).toHaveLength(offer.fingerprint.value.length);
    // Every a=fingerprint line names the altered certificate, so the core's own check passes …
    expect(checkSdpFingerprint(delivered.sdp, delivered.fingerprint).ok).toBe(true);
    expect(sdpFingerprints(delivered.sdp).every((f) => f.value === delivered.fingerprint.value)).toBe(true);
    // … and apart from those lines the SDP is the one Alice sent.
    const withoutFingerprints = (sdp: string) => sdp.split('\r\n').filter((l) => !l.startsWith('a=fingerprint:'));
    expect(withoutFingerprints(delivered.sdp)).toEqual(withoutFingerprints(offer.sdp));
    expect(await ask(bob, 'calls.remoteDescription', { callId })).toEqual({ callId, type: 'offer', sdp: delivered.sdp, fingerprint: delivered.fingerprint });

    // The caller's core has no seam: Bob's answer reaches it as sent.
    const answer = description('answer');
    await ask(bob, 'calls.accept', { callId, answer });
    await waitForPhase(alice, callId, 'connecting');
    expect(descriptionsOf(alice, callId)).toEqual([{ callId, type: 'answer', ...answer }]);

    // Bob's renderer meets a certificate that does not match the altered fingerprint: DTLS fails.
    await ask(bob, 'calls.report', { callId, report: { kind: 'connection-failed', code: 'dtls-failed' } });
    await waitForPhase(bob, callId, 'ended:failed');
    await waitForLine(bob, chat, 'The call with Alice was refused because its encryption could not be verified.');
    expect(activities(bob).at(-1)).toEqual({ active: false, ringing: false });
    await ask(alice, 'calls.hangUp', { callId, dataChannelOpen: false });
  }, 60_000);
});
