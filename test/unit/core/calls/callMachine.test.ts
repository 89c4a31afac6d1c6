import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { historyText } from '../../../../electron/core/calls/callHistory';
import { holdsMedia } from '../../../../electron/core/calls/callState';
import { initialCallsState, step } from '../../../../electron/core/calls/callMachine';
import type { CallConversation, CallEffect } from '../../../../electron/core/calls/callTypes';
import { chromiumOffer, randomFingerprint } from '../../../fixtures/calls/chromiumSdp';
import type { CallDevice } from './callNetwork';
import { CallNetwork } from './callNetwork';

/*
 * Issue 13's call rules, device by device: Alice has two devices, Bob two, all in one 1:1
 * conversation; each device runs its own machine and sees what the MLS fan-out would bring it.
 */

const aliceUser = { id: randomUUID(), domain: 'cairn.test' };
const bobUser = { id: randomUUID(), domain: 'cairn.test' };
const carolUser = { id: randomUUID(), domain: 'cairn.test' };
const malloryUser = { id: randomUUID(), domain: 'cairn.test' };

let net: CallNetwork;
let alice1: CallDevice;
let alice2: CallDevice;
let bob1: CallDevice;
let bob2: CallDevice;
let all: CallDevice[];
let chat: CallConversation;

function setUp(config: ConstructorParameters<typeof CallNetwork>[0] = {}): void {
  net = new CallNetwork(config);
  alice1 = net.device('alice1', aliceUser, 'a1');
  alice2 = net.device('alice2', aliceUser, 'a2');
  bob1 = net.device('bob1', bobUser, 'b1');
  bob2 = net.device('bob2', bobUser, 'b2');
  all = [alice1, alice2, bob1, bob2];
  chat = net.conversation('one-to-one', ...all);
}

beforeEach(() => setUp());

const peerName = (device: CallDevice): string => (device.ref.user.id === aliceUser.id ? 'Bob' : 'Alice');
const lines = (device: CallDevice): string[] => device.of('history').map((h) => historyText(h.line, peerName(device)));

/** Alice calls Bob from her first device and everyone receives the setup. */
function aliceCalls(media: 'audio' | 'video' = 'video', cbr = false): string {
  const callId = randomUUID();
  alice1.feed({ kind: 'start', callId, conversation: chat, media, cbr, offer: alice1.description() });
  net.deliverAll(all);
  return callId;
}

function accept(device: CallDevice, callId: string, cbr = false): CallEffect[] {
  return device.feed({ kind: 'accept', callId, answer: device.description('answer'), cbr });
}

describe('ringing on every device', () => {
  it('sends one setup with the offer and fingerprint, and rings every device of the callee but none of the caller', () => {
    const callId = aliceCalls();
    expect(alice1.sent()).toEqual([
      { type: 'call-setup', callId, sdp: expect.stringContaining(`a=fingerprint:sha-256 ${alice1.fingerprint.value}`), fingerprint: alice1.fingerprint, media: 'video', cbr: false },
    ]);
    expect(alice1.phase(callId)).toBe('outgoing');
    expect(alice1.of('start-timer')).toEqual([{ kind: 'start-timer', callId, timer: 'ring', ms: 60_000 }]);
    for (const bob of [bob1, bob2]) {
      expect(bob.phase(callId)).toBe('incoming');
      expect(bob.of('notify')).toEqual([{ kind: 'notify', conversationId: chat.id, callId, peer: aliceUser, notice: 'incoming-call', media: 'video' }]);
      expect(bob.of('remote-description')).toEqual([{ kind: 'remote-description', callId, type: 'offer', sdp: expect.stringContaining('v=0'), fingerprint: alice1.fingerprint }]);
      expect(bob.of('start-timer')).toEqual([{ kind: 'start-timer', callId, timer: 'ring', ms: 60_000 }]);
    }
    // Alice's other device shows the call as ongoing elsewhere and never rings.
    expect(alice2.phase(callId)).toBe('elsewhere');
    expect(alice2.of('notify')).toEqual([]);
    expect(alice2.of('remote-description')).toEqual([]);
    expect(alice2.of('emit').at(-1)?.view).toMatchObject({ callId, phase: 'elsewhere', direction: 'outgoing', peer: bobUser });
  });

  it('tells call.state who is called, with what, and never the SDP', () => {
    const callId = aliceCalls('audio', true);
    const view = bob1.of('emit').at(-1)?.view;
    expect(view).toEqual({ callId, conversationId: chat.id, peer: aliceUser, direction: 'incoming', media: 'audio', cbr: true, phase: 'incoming', since: net.now });
  });
});

describe('answering', () => {
  it('connects the answering device, stops the callee’s other devices with "answered on another device", and ends the caller’s other device’s view', () => {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    expect(bob1.sent()).toEqual([{ type: 'call-answer', callId, sdp: expect.any(String), fingerprint: bob1.fingerprint, cbr: false }]);
    expect(bob1.phase(callId)).toBe('connecting');
    expect(alice1.phase(callId)).toBe('connecting');
    expect(alice1.of('remote-description')).toEqual([{ kind: 'remote-description', callId, type: 'answer', sdp: expect.stringContaining(bob1.fingerprint.value), fingerprint: bob1.fingerprint }]);
    expect(bob2.phase(callId)).toBe('ended:answered-elsewhere');
    expect(bob2.of('stop-timer')).toEqual([{ kind: 'stop-timer', callId, timer: 'ring' }]);
    expect(lines(bob2)).toEqual(['Call from Alice answered on another device.']);
    expect(alice2.phase(callId)).toBe('ended:answered-elsewhere');
    expect(lines(alice2)).toEqual(['Call with Bob answered on your other device.']);
    // Nobody was told about a missed call.
    expect(all.flatMap((d) => d.of('notify')).filter((n) => n.notice === 'missed-call')).toEqual([]);
  });

  it('refuses a later answer politely: the caller sends a reject to that device alone, which stops, while the first goes on', () => {
    const callId = aliceCalls();
    // Both of Bob's devices accept before either sees the other's answer.
    accept(bob1, callId);
    accept(bob2, callId);
    const [first, second] = net.hold();
    if (first === undefined || second === undefined) throw new Error('two answers expected');
    net.deliver(first, all);
    net.deliver(second, all);
    expect(alice1.sent().at(-1)).toEqual({ type: 'call-reject', callId, reason: 'answered-elsewhere', to: { user: bobUser, clientId: 'b2' } });
    net.deliverAll(all);
    expect(bob2.phase(callId)).toBe('ended:answered-elsewhere');
    expect(bob1.phase(callId)).toBe('connecting');
    expect(alice1.call(callId)?.state).toMatchObject({ phase: 'connecting', remote: { clientId: 'b1' } });
    expect(alice2.phase(callId)).toBe('ended:answered-elsewhere');
  });

  it('becomes active when media flows and counts the duration from then', () => {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    net.advance(2_000, all);
    alice1.feed({ kind: 'connected', callId });
    bob1.feed({ kind: 'connected', callId });
    expect(alice1.of('stop-timer').at(-1)).toEqual({ kind: 'stop-timer', callId, timer: 'connect' });
    net.advance(65_000, all);
    const sentBefore = alice1.sent().length;
    alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: true });
    bob1.feed({ kind: 'peer-hung-up', callId });
    // Hang-up went peer to peer: nothing through the server.
    expect(alice1.sent().length).toBe(sentBefore);
    expect(lines(alice1)).toEqual(['Call with Bob, 1:05.']);
    expect(lines(bob1)).toEqual(['Call with Alice, 1:05.']);
  });

  it('sends the E2EE hang-up only when the data channel is gone, and the peer ends on it', () => {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    for (const d of [alice1, bob1]) d.feed({ kind: 'connected', callId });
    net.advance(3_000, all);
    bob1.feed({ kind: 'hang-up', callId, dataChannelOpen: false });
    expect(bob1.sent().at(-1)).toEqual({ type: 'call-hangup', callId });
    net.deliverAll(all);
    expect(alice1.phase(callId)).toBe('ended:completed');
    expect(lines(alice1)).toEqual(['Call with Bob, 0:03.']);
    // Devices that are not in the call ignore it.
    expect(alice2.of('history')).toHaveLength(1);
    expect(bob2.of('history')).toHaveLength(1);
  });

  it('uses constant bit rate when either side asks for it', () => {
    const callId = aliceCalls('audio', false);
    accept(bob1, callId, true);
    net.deliverAll(all);
    expect(alice1.call(callId)?.cbr).toBe(true);
    expect(bob1.call(callId)?.cbr).toBe(true);
  });
});

describe('each way a call ends leaves its own line', () => {
  it('declined: the caller hears it, and the callee’s other device stops ringing', () => {
    const callId = aliceCalls();
    bob2.feed({ kind: 'decline', callId });
    expect(bob2.sent()).toEqual([{ type: 'call-reject', callId, reason: 'declined' }]);
    net.deliverAll(all);
    expect(lines(alice1)).toEqual(['Bob declined the call.']);
    expect(lines(alice2)).toEqual(['Bob declined the call.']);
    expect(lines(bob2)).toEqual(['You declined a call from Alice.']);
    expect(lines(bob1)).toEqual(['You declined a call from Alice.']);
    expect(bob1.of('stop-timer')).toEqual([{ kind: 'stop-timer', callId, timer: 'ring' }]);
    expect(alice1.of('stop-timer')).toEqual([{ kind: 'stop-timer', callId, timer: 'ring' }]);
  });

  it('cancelled: the callee’s devices record a missed call and notify it', () => {
    const callId = aliceCalls();
    alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: false });
    expect(alice1.sent().at(-1)).toEqual({ type: 'call-cancel', callId });
    net.deliverAll(all);
    expect(lines(alice1)).toEqual(['You cancelled the call to Bob.']);
    expect(lines(alice2)).toEqual(['You cancelled the call to Bob.']);
    for (const bob of [bob1, bob2]) {
      expect(lines(bob)).toEqual(['Missed call from Alice.']);
      expect(bob.of('notify').map((n) => n.notice)).toEqual(['incoming-call', 'missed-call']);
    }
  });

  it('cancelled just as the callee answered: the answering device ends without a missed call', () => {
    const callId = aliceCalls();
    alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: true });
    accept(bob1, callId);
    net.deliverAll(all);
    expect(bob1.phase(callId)).toBe('ended:completed');
    expect(lines(bob1)).toEqual(['Call with Alice ended.']);
    expect(bob1.of('notify').map((n) => n.notice)).toEqual(['incoming-call']);
    // Alice had already ended it: Bob's answer changes nothing there.
    expect(lines(alice1)).toEqual(['You cancelled the call to Bob.']);
    expect(alice1.of('remote-description')).toEqual([]);
  });

  it('busy: a device already in a call answers busy at once, the caller and the other devices end with busy', () => {
    const carol = net.device('carol', carolUser, 'c1');
    const other = net.conversation('one-to-one', bob1, carol);
    const devices = [...all, carol];
    const busyCall = randomUUID();
    bob1.feed({ kind: 'start', callId: busyCall, conversation: other, media: 'audio', cbr: false, offer: bob1.description() });
    net.deliverAll(devices);
    accept(carol, busyCall);
    net.deliverAll(devices);
    bob1.feed({ kind: 'connected', callId: busyCall });

    const callId = randomUUID();
    alice1.feed({ kind: 'start', callId, conversation: chat, media: 'video', cbr: false, offer: alice1.description() });
    net.deliverAll(devices);
    expect(bob1.sent().at(-1)).toEqual({ type: 'call-reject', callId, reason: 'busy' });
    expect(bob1.of('start-timer').filter((t) => t.callId === callId)).toEqual([]);
    expect(lines(bob1)).toEqual(['Missed call from Alice while you were in another call.']);
    expect(lines(alice1)).toEqual(['Bob was busy in another call.']);
    expect(bob2.phase(callId)).toBe('ended:busy');
    // The call Bob was in goes on.
    expect(bob1.phase(busyCall)).toBe('active');
  });

  it('two people calling each other at once end up in one call (the smaller id), not both busy', () => {
    const ids = [randomUUID(), randomUUID()].sort();
    const [kept = '', dropped = ''] = ids;
    alice1.feed({ kind: 'start', callId: dropped, conversation: chat, media: 'audio', cbr: false, offer: alice1.description() });
    bob1.feed({ kind: 'start', callId: kept, conversation: chat, media: 'audio', cbr: false, offer: bob1.description() });
    net.deliverAll(all);
    // Alice drops her call for Bob's, and rings; Bob goes on ringing out. Nobody heard "busy".
    expect(alice1.sent()).toContainEqual({ type: 'call-cancel', callId: dropped });
    expect(alice1.phase(kept)).toBe('incoming');
    expect(bob1.phase(kept)).toBe('outgoing');
    expect(all.flatMap((d) => d.sent()).filter((c) => c.type === 'call-reject')).toEqual([]);
    // Each side's other device agrees on the kept call and drops the other one quietly.
    expect(alice2.phase(kept)).toBe('incoming');
    expect(alice2.phase(dropped)).toBe('ended:cancelled');
    expect(bob2.phase(kept)).toBe('elsewhere');
    expect(bob2.phase(dropped)).toBe('ended:cancelled');
    for (const device of all) {
      expect(lines(device)).toEqual([]);
      // (Bob's other device rang for Alice's call for as long as it had not seen Bob's: no missed call after.)
      expect(device.of('notify').filter((n) => n.notice === 'missed-call')).toEqual([]);
    }
    accept(alice1, kept);
    net.deliverAll(all);
    expect(bob1.phase(kept)).toBe('connecting');
    expect(alice1.phase(kept)).toBe('connecting');
    expect(alice2.phase(kept)).toBe('ended:answered-elsewhere');
  });

  it('no answer after the ring time: the caller cancels for everyone, the callee’s devices record a missed call', () => {
    setUp({ ringMs: 5_000 });
    const callId = aliceCalls();
    net.advance(4_999, all);
    expect(alice1.phase(callId)).toBe('outgoing');
    expect(bob1.phase(callId)).toBe('incoming');
    net.advance(1, all);
    net.deliverAll(all);
    expect(alice1.phase(callId)).toBe('ended:no-answer');
    expect(alice1.sent().at(-1)).toEqual({ type: 'call-cancel', callId });
    expect(lines(alice1)).toEqual(['Bob did not answer.']);
    for (const bob of [bob1, bob2]) {
      expect(lines(bob)).toEqual(['Missed call from Alice.']);
      expect(bob.of('notify').at(-1)).toMatchObject({ notice: 'missed-call', callId });
    }
  });

  it('no answer on the callee’s own clock when the caller’s cancel never comes (the caller went offline)', () => {
    const callId = aliceCalls();
    net.advance(60_000, [bob1, bob2]);
    expect(bob1.phase(callId)).toBe('ended:no-answer');
    expect(lines(bob1)).toEqual(['Missed call from Alice.']);
  });

  it('failed to connect when media does not flow within the connect time; the peer is told', () => {
    setUp({ connectMs: 10_000 });
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    net.advance(10_000, [alice1]);
    expect(alice1.phase(callId)).toBe('ended:failed');
    expect(alice1.sent().at(-1)).toEqual({ type: 'call-hangup', callId });
    expect(lines(alice1)).toEqual(['The call with Bob could not be connected.']);
    net.deliverAll(all);
    expect(bob1.phase(callId)).toBe('ended:completed');
  });

  it('failed when the renderer reports ICE or DTLS failure', () => {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    alice1.feed({ kind: 'connection-failed', callId, code: 'dtls-failed' });
    bob1.feed({ kind: 'connection-failed', callId, code: 'ice-failed' });
    expect(lines(alice1)).toEqual(['The call with Bob was refused because its encryption could not be verified.']);
    expect(lines(bob1)).toEqual(['The call with Alice could not be connected.']);
  });
});

describe('the DTLS fingerprint is bound to what the E2EE message carries', () => {
  it('refuses a setup whose SDP names another certificate than its fingerprint: no ringing, a line saying why', () => {
    const callId = randomUUID();
    const forged = { type: 'call-setup' as const, callId, sdp: chromiumOffer(randomFingerprint()), fingerprint: alice1.fingerprint, media: 'audio' as const, cbr: false };
    bob1.feed({ kind: 'received', conversation: chat, from: alice1.ref, sentAt: net.now, content: forged });
    expect(bob1.phase(callId)).toBe('ended:failed');
    expect(bob1.of('start-timer')).toEqual([]);
    expect(bob1.of('notify')).toEqual([]);
    expect(lines(bob1)).toEqual(['The call with Alice was refused because its encryption could not be verified.']);
  });

  it('refuses an answer whose SDP and fingerprint disagree, and tells the answering device to stop', () => {
    const callId = aliceCalls();
    const answer = { type: 'call-answer' as const, callId, sdp: chromiumOffer(randomFingerprint(), { type: 'answer' }), fingerprint: bob1.fingerprint, cbr: false };
    alice1.feed({ kind: 'received', conversation: chat, from: bob1.ref, sentAt: net.now, content: answer });
    expect(alice1.phase(callId)).toBe('ended:failed');
    expect(alice1.sent().at(-1)).toEqual({ type: 'call-hangup', callId });
    expect(alice1.of('remote-description')).toEqual([]);
  });

  it('refuses an ICE restart that changes the certificate mid-call', () => {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    for (const d of [alice1, bob1]) d.feed({ kind: 'connected', callId });
    const other = randomFingerprint();
    alice1.feed({ kind: 'received', conversation: chat, from: bob1.ref, sentAt: net.now, content: { type: 'call-ice-restart', callId, kind: 'offer', sdp: chromiumOffer(other), fingerprint: other } });
    expect(alice1.phase(callId)).toBe('ended:failed');
    expect(alice1.of('remote-description').filter((r) => r.type === 'offer')).toEqual([]);
  });

  it('does not start a call whose own offer does not name the certificate it claims', () => {
    const effects = alice1.feed({ kind: 'start', callId: randomUUID(), conversation: chat, media: 'audio', cbr: false, offer: { sdp: chromiumOffer(randomFingerprint()), fingerprint: alice1.fingerprint } });
    expect(effects).toEqual([{ kind: 'refused', callId: expect.any(String), code: 'call-bad-description', message: expect.any(String) }]);
    expect(alice1.sent()).toEqual([]);
  });
});

describe('during the call', () => {
  function activeCall(): string {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    for (const d of [alice1, bob1]) d.feed({ kind: 'connected', callId });
    return callId;
  }

  it('shows the peer’s mute, camera and sharing state, and only the peer in the call can set it', () => {
    const callId = activeCall();
    bob1.feed({ kind: 'media-changed', callId, media: { muted: true, cameraOff: false, sharing: true } });
    expect(bob1.sent().at(-1)).toEqual({ type: 'call-media', callId, muted: true, cameraOff: false, sharing: true });
    net.deliverAll(all);
    expect(alice1.of('emit').at(-1)?.view.peerMedia).toEqual({ muted: true, cameraOff: false, sharing: true });
    const before = alice1.effects.length;
    alice1.feed({ kind: 'received', conversation: chat, from: bob2.ref, sentAt: net.now, content: { type: 'call-media', callId, muted: false, cameraOff: true, sharing: false } });
    expect(alice1.effects.length).toBe(before);
  });

  it('shows the peer’s media state that its data channel told, without sending anything over E2EE', () => {
    const callId = activeCall();
    const sentBefore = alice1.sent().length;
    alice1.feed({ kind: 'peer-media', callId, media: { muted: true, cameraOff: true, sharing: false } });
    expect(alice1.of('emit').at(-1)?.view).toMatchObject({ callId, phase: 'active', peerMedia: { muted: true, cameraOff: true, sharing: false } });
    expect(alice1.sent()).toHaveLength(sentBefore);
    // Once the call ended there is nothing to show.
    alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: true });
    const after = alice1.effects.length;
    alice1.feed({ kind: 'peer-media', callId, media: { muted: false, cameraOff: false, sharing: false } });
    expect(alice1.effects.length).toBe(after);
  });

  it('restarts ICE with a new offer and answer within the call', () => {
    const callId = activeCall();
    const onlookers = [alice2, bob2].map((d) => d.effects.length);
    alice1.feed({ kind: 'ice-restart', callId, role: 'offer', description: alice1.description() });
    expect(alice1.sent().at(-1)).toMatchObject({ type: 'call-ice-restart', callId, kind: 'offer', fingerprint: alice1.fingerprint });
    net.deliverAll(all);
    expect(bob1.of('remote-description').at(-1)).toMatchObject({ callId, type: 'offer' });
    bob1.feed({ kind: 'ice-restart', callId, role: 'answer', description: bob1.description('answer') });
    net.deliverAll(all);
    expect(alice1.of('remote-description').at(-1)).toMatchObject({ callId, type: 'answer' });
    expect(alice1.call(callId)?.state).toMatchObject({ phase: 'active', restart: 'none' });
    expect(bob1.call(callId)?.state).toMatchObject({ phase: 'active', restart: 'none' });
    // The other devices saw nothing of it.
    expect([alice2, bob2].map((d) => d.effects.length)).toEqual(onlookers);
  });

  it('settles two restart offers at once in the caller’s favour', () => {
    const callId = activeCall();
    alice1.feed({ kind: 'ice-restart', callId, role: 'offer', description: alice1.description() });
    bob1.feed({ kind: 'ice-restart', callId, role: 'offer', description: bob1.description() });
    net.deliverAll(all);
    expect(alice1.of('remote-description').filter((r) => r.type === 'offer')).toEqual([]);
    expect(bob1.call(callId)?.state).toMatchObject({ restart: 'answering' });
    bob1.feed({ kind: 'ice-restart', callId, role: 'answer', description: bob1.description('answer') });
    net.deliverAll(all);
    expect(alice1.call(callId)?.state).toMatchObject({ restart: 'none' });
  });

  it('refuses a local restart offer whose certificate is not the call’s', () => {
    const callId = activeCall();
    const other = randomFingerprint();
    expect(alice1.feed({ kind: 'ice-restart', callId, role: 'offer', description: { sdp: chromiumOffer(other), fingerprint: other } })).toMatchObject([
      { kind: 'refused', code: 'call-bad-description' },
    ]);
  });
});

describe('messages that must change nothing', () => {
  const noEffects = (device: CallDevice, run: () => void) => {
    const state = device.state;
    const before = device.effects.length;
    run();
    expect(device.effects.length).toBe(before);
    expect(device.state).toEqual(state);
  };

  it('ignores every kind of message for a call id it does not know', () => {
    const callId = randomUUID();
    const fp = bob1.fingerprint;
    for (const content of [
      { type: 'call-answer' as const, callId, sdp: chromiumOffer(fp), fingerprint: fp, cbr: false },
      { type: 'call-reject' as const, callId, reason: 'declined' as const },
      { type: 'call-media' as const, callId, muted: true, cameraOff: true, sharing: false },
      { type: 'call-ice-restart' as const, callId, kind: 'offer' as const, sdp: chromiumOffer(fp), fingerprint: fp },
    ]) {
      noEffects(alice1, () => alice1.feed({ kind: 'received', conversation: chat, from: bob1.ref, sentAt: net.now, content }));
    }
  });

  it('rings once for a setup delivered twice, and connects once for an answer delivered twice', () => {
    const callId = randomUUID();
    alice1.feed({ kind: 'start', callId, conversation: chat, media: 'audio', cbr: false, offer: alice1.description() });
    const [setup] = net.hold();
    if (setup === undefined) throw new Error('no setup');
    net.deliver(setup, all);
    noEffects(bob1, () => net.deliver(setup, all));
    accept(bob1, callId);
    const [answer] = net.hold();
    if (answer === undefined) throw new Error('no answer');
    net.deliver(answer, all);
    noEffects(alice1, () => net.deliver(answer, all));
    net.deliverAll(all);
    expect(alice1.of('remote-description')).toHaveLength(1);
  });

  it('does not ring for a setup that arrives after its own cancel (out of order)', () => {
    const callId = randomUUID();
    alice1.feed({ kind: 'start', callId, conversation: chat, media: 'audio', cbr: false, offer: alice1.description() });
    alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: true });
    const [setup, cancel] = net.hold();
    if (setup === undefined || cancel === undefined) throw new Error('setup and cancel expected');
    net.deliver(cancel, all);
    net.deliver(setup, all);
    expect(bob1.phase(callId)).toBeUndefined();
    expect(bob1.of('notify')).toEqual([]);
    expect(bob1.of('start-timer')).toEqual([]);
  });

  it('does not ring for a setup older than the ring time (a device back online later), but records the missed call', () => {
    const callId = randomUUID();
    alice1.feed({ kind: 'start', callId, conversation: chat, media: 'video', cbr: false, offer: alice1.description() });
    const [setup] = net.hold();
    if (setup === undefined) throw new Error('no setup');
    net.now += 61_000;
    net.deliver(setup, [bob1, alice2]);
    expect(bob1.phase(callId)).toBe('ended:no-answer');
    expect(bob1.of('start-timer')).toEqual([]);
    expect(bob1.of('notify').map((n) => n.notice)).toEqual(['missed-call']);
    expect(lines(bob1)).toEqual(['Missed call from Alice.']);
    // The caller's other device has nothing to show for it.
    expect(alice2.effects).toEqual([]);
  });

  it('rings only for what is left of the ring time when the setup arrives late', () => {
    const callId = randomUUID();
    alice1.feed({ kind: 'start', callId, conversation: chat, media: 'video', cbr: false, offer: alice1.description() });
    const [setup] = net.hold();
    if (setup === undefined) throw new Error('no setup');
    net.now += 20_000;
    net.deliver(setup, [bob1]);
    expect(bob1.of('start-timer')).toEqual([{ kind: 'start-timer', callId, timer: 'ring', ms: 40_000 }]);
  });

  it('ignores a device that is not in the conversation, whatever it sends', () => {
    const mallory = net.device('mallory', malloryUser, 'f1');
    const callId = randomUUID();
    noEffects(bob1, () =>
      bob1.feed({ kind: 'received', conversation: chat, from: mallory.ref, sentAt: net.now, content: { type: 'call-setup', callId, ...mallory.description(), media: 'audio', cbr: false } }),
    );
    const real = aliceCalls();
    noEffects(alice1, () =>
      alice1.feed({ kind: 'received', conversation: chat, from: mallory.ref, sentAt: net.now, content: { type: 'call-answer', callId: real, ...mallory.description('answer'), cbr: false } }),
    );
    noEffects(bob1, () => bob1.feed({ kind: 'received', conversation: chat, from: mallory.ref, sentAt: net.now, content: { type: 'call-cancel', callId: real } }));
    // A device of Bob's that is no longer in the conversation (removed) cannot answer either.
    const removed = { ...chat, devices: chat.devices.filter((d) => d.clientId !== 'b2') };
    noEffects(alice1, () =>
      alice1.feed({ kind: 'received', conversation: removed, from: bob2.ref, sentAt: net.now, content: { type: 'call-answer', callId: real, ...bob2.description('answer'), cbr: false } }),
    );
  });

  it('lets only the calling device cancel, only the callee answer, and only the device in the call hang up', () => {
    const callId = aliceCalls();
    // Alice's other device cannot cancel the call it did not start.
    noEffects(bob1, () => bob1.feed({ kind: 'received', conversation: chat, from: alice2.ref, sentAt: net.now, content: { type: 'call-cancel', callId } }));
    // Nor answer it.
    noEffects(alice1, () =>
      alice1.feed({ kind: 'received', conversation: chat, from: alice2.ref, sentAt: net.now, content: { type: 'call-answer', callId, ...alice2.description('answer'), cbr: false } }),
    );
    accept(bob1, callId);
    net.deliverAll(all);
    // Bob's other device is not in the call: its hang-up means nothing.
    noEffects(alice1, () => alice1.feed({ kind: 'received', conversation: chat, from: bob2.ref, sentAt: net.now, content: { type: 'call-hangup', callId } }));
  });

  it('has no calls in group conversations yet (issue 14), in either direction', () => {
    const carol = net.device('carol', carolUser, 'c1');
    const group = net.conversation('group', alice1, bob1, carol);
    expect(alice1.feed({ kind: 'start', callId: randomUUID(), conversation: group, media: 'audio', cbr: false, offer: alice1.description() })).toMatchObject([
      { kind: 'refused', code: 'call-no-calls-here' },
    ]);
    noEffects(bob1, () =>
      bob1.feed({ kind: 'received', conversation: group, from: carol.ref, sentAt: net.now, content: { type: 'call-setup', callId: randomUUID(), ...carol.description(), media: 'audio', cbr: false } }),
    );
  });

  it('ignores a call id it knows when it comes from another conversation', () => {
    const callId = aliceCalls();
    const elsewhere = net.conversation('one-to-one', alice1, bob1);
    noEffects(bob1, () => bob1.feed({ kind: 'received', conversation: elsewhere, from: alice1.ref, sentAt: net.now, content: { type: 'call-cancel', callId } }));
  });

  it('ignores a ring timer that fires after the call was answered', () => {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    noEffects(alice1, () => alice1.feed({ kind: 'timer', callId, timer: 'ring' }));
    noEffects(bob2, () => bob2.feed({ kind: 'timer', callId, timer: 'ring' }));
  });

  it('ignores a cancel that arrives after the call was declined', () => {
    const callId = aliceCalls();
    bob1.feed({ kind: 'decline', callId });
    net.deliverAll(all);
    noEffects(bob1, () => bob1.feed({ kind: 'received', conversation: chat, from: alice1.ref, sentAt: net.now, content: { type: 'call-cancel', callId } }));
  });
});

describe('what this device’s user may do', () => {
  it('cannot start a second call while in one, nor take one', () => {
    const callId = aliceCalls();
    accept(bob1, callId);
    net.deliverAll(all);
    expect(alice1.feed({ kind: 'start', callId: randomUUID(), conversation: chat, media: 'audio', cbr: false, offer: alice1.description() })).toMatchObject([
      { kind: 'refused', code: 'call-busy', message: 'You are already in a call. End it before starting or taking another.' },
    ]);
  });

  it('cannot accept or decline a call that no longer rings, nor hang up one that is not here', () => {
    const callId = aliceCalls();
    bob2.feed({ kind: 'decline', callId });
    net.deliverAll(all);
    expect(accept(bob1, callId)).toMatchObject([{ kind: 'refused', code: 'call-not-ringing' }]);
    expect(bob1.feed({ kind: 'decline', callId })).toMatchObject([{ kind: 'refused', code: 'call-not-ringing' }]);
    expect(bob1.feed({ kind: 'hang-up', callId: randomUUID(), dataChannelOpen: true })).toMatchObject([{ kind: 'refused', code: 'call-not-found' }]);
    expect(alice2.feed({ kind: 'hang-up', callId, dataChannelOpen: true })).toMatchObject([{ kind: 'refused', code: 'call-not-found' }]);
  });

  it('cannot reuse a call id', () => {
    const callId = aliceCalls();
    alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: true });
    expect(alice1.feed({ kind: 'start', callId, conversation: chat, media: 'audio', cbr: false, offer: alice1.description() })).toMatchObject([{ kind: 'refused', code: 'call-exists' }]);
  });
});

describe('camera and microphone', () => {
  it('are wanted from ringing until the call ends, never for a call on another device', () => {
    const callId = aliceCalls();
    expect([alice1, alice2, bob1, bob2].map((d) => holdsMedia(d.state))).toEqual([true, false, true, true]);
    accept(bob1, callId);
    net.deliverAll(all);
    expect([alice1, alice2, bob1, bob2].map((d) => holdsMedia(d.state))).toEqual([true, false, true, false]);
    alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: false });
    net.deliverAll(all);
    expect(all.map((d) => holdsMedia(d.state))).toEqual([false, false, false, false]);
  });
});

describe('memory', () => {
  it('keeps a bounded number of ended calls', () => {
    setUp({ endedKept: 3 });
    for (let i = 0; i < 10; i++) {
      const callId = aliceCalls();
      alice1.feed({ kind: 'hang-up', callId, dataChannelOpen: true });
      net.deliverAll(all);
    }
    for (const device of all) expect(device.state.calls.length).toBeLessThanOrEqual(3);
  });

  it('is a pure function: the same state and event give the same result, and the state given is not changed', () => {
    const state = initialCallsState(alice1.ref);
    const event = { kind: 'start' as const, callId: randomUUID(), conversation: chat, media: 'audio' as const, cbr: false, offer: alice1.description() };
    const frozen = JSON.stringify(state);
    expect(step(state, event, 1)).toEqual(step(state, event, 1));
    expect(JSON.stringify(state)).toBe(frozen);
  });
});
