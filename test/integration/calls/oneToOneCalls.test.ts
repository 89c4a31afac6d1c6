import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeContent } from '../../../protocol/content/codec';
import { encodeContent } from '../../../protocol/content/codec';
import type { Content } from '../../../protocol/content/schema';
import { readMessageHeader } from '../../../server/mls/wire';
import { must } from '../../fixtures/mls/mlsTestDevices';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { eventsOf, registerThroughCore, settled, signInThroughCore, startCore } from '../../support/cores';
import type { RawMember } from '../../support/rawMember';
import { addRawDevice, encryptContent, joinExternally, postAsMember } from '../../support/rawMember';
import { useTestServer } from '../../support/testServer';
import {
  activities,
  ask,
  description,
  descriptionsOf,
  notices,
  phaseOf,
  refusal,
  states,
  systemLines,
  waitForLine,
  waitForPhase,
} from './support/callCores';

/*
 * Issue 13, the core's half of 1:1 calls: real cores (two devices for Alice, two for Bob, one for
 * Carol) and the real server over TLS. The renderer's descriptions are Chromium-shaped SDPs that
 * name their fingerprint; no media flows here (the e2e tests do that), so the renderer's reports
 * are sent by the test. Ringing is shortened (core option `callTimings`) for the missed call.
 */

const RING_MS = 8_000;
const serverLog = new PassThrough();
let logText = '';
serverLog.on('data', (chunk: Buffer) => {
  logText += chunk.toString('utf8');
});
const env = useTestServer('calls', { logLevel: 'debug', logStream: serverLog });
const cores: ObservedCore[] = [];
let alice1: ObservedCore;
let alice2: ObservedCore;
let bob1: ObservedCore;
let bob2: ObservedCore;
let carol: ObservedCore;
let aliceUser: SignedInUser;
let bobUser: SignedInUser;
let carolUser: SignedInUser;
let chat: string;
const callIds: string[] = [];
/** Alice's frame key of each call, as first asked for. */
const keys = new Map<string, Readonly<{ epoch: number; baseKey: string }>>();

function start(name: string): ObservedCore {
  const o = startCore(env.root, name, { callTimings: { ringMs: RING_MS } });
  cores.push(o);
  return o;
}

async function listed(o: ObservedCore, id: string): Promise<boolean> {
  const list = await o.core.router.request('conversations.list', {});
  return list.ok && list.value.conversations.some((c) => c.id === id);
}

beforeAll(async () => {
  alice1 = start('alice1');
  bob1 = start('bob1');
  carol = start('carol');
  aliceUser = await registerThroughCore(alice1, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob1, env.server, env.root, 'bob@example.test', 'Bob');
  carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
  alice2 = start('alice2');
  bob2 = start('bob2');
  await signInThroughCore(alice2, env.server, 'alice@example.test');
  await signInThroughCore(bob2, env.server, 'bob@example.test');
  // Made after every device exists: the group holds all four from its first epoch.
  chat = (await ask(alice1, 'conversations.openOneToOne', { user: { id: bobUser.id, domain: bobUser.domain } })).id;
  for (const o of [alice2, bob1, bob2]) await until(() => listed(o, chat), 30_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

/** Polls `check` until it holds (for beforeAll, where expect.poll is not available). */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Alice's first device calls Bob (reserve, then start with its offer); returns the call id and the offer. */
async function aliceCalls(media: 'audio' | 'video' = 'video') {
  const { callId } = await ask(alice1, 'calls.prepare', { conversationId: chat, media });
  callIds.push(callId);
  const offer = description();
  const view = await ask(alice1, 'calls.start', { callId, offer });
  expect(view).toMatchObject({ callId, conversationId: chat, direction: 'outgoing', media, phase: 'outgoing' });
  return { callId, offer };
}

describe('a 1:1 call between two people with two devices each', () => {
  it('rings both of Bob’s devices with Alice’s offer, shows it elsewhere on Alice’s other device, and connects the device that answers first', async () => {
    const before = { alice2: activities(alice2).length, bob1: activities(bob1).length };
    const { callId, offer } = await aliceCalls();
    expect(activities(alice1).at(-1)).toEqual({ active: true, ringing: false });

    for (const bob of [bob1, bob2]) {
      await waitForPhase(bob, callId, 'incoming');
      expect(states(bob, callId).at(-1)).toMatchObject({ direction: 'incoming', media: 'video', peer: { id: expect.any(String) } });
      expect(descriptionsOf(bob, callId)).toEqual([{ callId, type: 'offer', sdp: offer.sdp, fingerprint: offer.fingerprint }]);
      expect(await ask(bob, 'calls.remoteDescription', { callId })).toEqual({ callId, type: 'offer', ...offer });
      expect(activities(bob).at(-1)).toEqual({ active: true, ringing: true });
      expect(notices(bob, chat).at(-1)).toEqual({ title: 'Alice', body: 'Incoming video call' });
      expect((await ask(bob, 'calls.list', {})).calls.map((c) => c.callId)).toEqual([callId]);
    }
    await waitForPhase(alice2, callId, 'elsewhere');
    expect(descriptionsOf(alice2, callId)).toEqual([]);
    expect(notices(alice2, chat)).toEqual([]);

    // Both ends of the call derive the same frame key; it is the conversation's current epoch's.
    const aliceKey = await ask(alice1, 'calls.frameKey', { callId });
    const bobKey = await ask(bob1, 'calls.frameKey', { callId });
    expect(bobKey.baseKey).toBe(aliceKey.baseKey);
    expect(bobKey.epoch).toBe(aliceKey.epoch);
    expect(bobKey.selfLeaf).not.toBe(aliceKey.selfLeaf);

    const answer = description('answer');
    const accepted = await ask(bob1, 'calls.accept', { callId, answer });
    expect(accepted).toMatchObject({ callId, phase: 'connecting', direction: 'incoming' });
    expect(activities(bob1).at(-1)).toEqual({ active: true, ringing: false });

    await waitForPhase(alice1, callId, 'connecting');
    expect(descriptionsOf(alice1, callId)).toEqual([{ callId, type: 'answer', sdp: answer.sdp, fingerprint: answer.fingerprint }]);
    await waitForPhase(bob2, callId, 'ended:answered-elsewhere');
    await waitForLine(bob2, chat, 'Call from Alice answered on another device.');
    expect(activities(bob2).at(-1)).toEqual({ active: false, ringing: false });
    expect(await refusal(bob2, 'calls.frameKey', { callId })).toBe('call-not-found');
    expect(await refusal(bob2, 'calls.accept', { callId, answer: description('answer') })).toBe('call-not-ringing');
    await waitForPhase(alice2, callId, 'ended:answered-elsewhere');
    await waitForLine(alice2, chat, 'Call with Bob answered on your other device.');

    // Media flows: reported by both renderers.
    await ask(alice1, 'calls.report', { callId, report: { kind: 'connected' } });
    await ask(bob1, 'calls.report', { callId, report: { kind: 'connected' } });
    expect(phaseOf(alice1, callId)).toBe('active');
    await ask(bob1, 'calls.report', { callId, report: { kind: 'peer-media', media: { muted: true, cameraOff: false, sharing: false } } });
    expect(states(bob1, callId).at(-1)?.peerMedia).toEqual({ muted: true, cameraOff: false, sharing: false });

    // Alice's other device never rang and never asked the shell for camera or microphone.
    expect(activities(alice2).slice(before.alice2)).toEqual([]);

    // A new device of Bob joins during the call: the group moves to a new epoch, and both ends
    // get the new epoch's key as `call.frameKey`, the same on both.
    const late = await addRawDevice(env.server, 'bob@example.test', 'Bob');
    await joinExternally(late, chat);
    const newKey = async (o: ObservedCore) =>
      (eventsOf(o, 'call.frameKey') as Array<{ callId: string; epoch: number; baseKey: string }>).find((k) => k.callId === callId && k.epoch > aliceKey.epoch);
    await expect.poll(() => newKey(alice1), { timeout: 15_000 }).toBeDefined();
    await expect.poll(() => newKey(bob1), { timeout: 15_000 }).toBeDefined();
    expect((await newKey(alice1))?.baseKey).toBe((await newKey(bob1))?.baseKey);
    expect((await newKey(alice1))?.baseKey).not.toBe(aliceKey.baseKey);
    expect(await ask(alice1, 'calls.frameKey', { callId })).toMatchObject({ epoch: (await newKey(alice1))?.epoch, baseKey: (await newKey(alice1))?.baseKey });

    await lateAnswerIsRefused(late, callId);

    await ask(alice1, 'calls.hangUp', { callId, dataChannelOpen: true });
    await ask(bob1, 'calls.report', { callId, report: { kind: 'peer-hung-up' } });
    expect(phaseOf(alice1, callId)).toBe('ended:completed');
    expect(phaseOf(bob1, callId)).toBe('ended:completed');
    expect((await systemLines(alice1, chat)).at(-1)).toMatch(/^Call with Bob, \d+:\d\d\.$/);
    expect((await systemLines(bob1, chat)).at(-1)).toMatch(/^Call with Alice, \d+:\d\d\.$/);
    expect(activities(alice1).at(-1)).toEqual({ active: false, ringing: false });
    expect(activities(bob1).slice(before.bob1)).toEqual([
      { active: true, ringing: true },
      { active: true, ringing: false },
      { active: false, ringing: false },
    ]);
    expect(await refusal(alice1, 'calls.frameKey', { callId })).toBe('call-not-found');
    expect(await refusal(alice1, 'calls.remoteDescription', { callId })).toBe('call-not-found');
    expect((await ask(alice1, 'calls.list', {})).calls).toEqual([]);
  }, 90_000);

  it('is declined on one of Bob’s devices: every device ends the call with its own line', async () => {
    const { callId } = await aliceCalls('audio');
    await waitForPhase(bob1, callId, 'incoming');
    await waitForPhase(bob2, callId, 'incoming');
    const aliceKey = await ask(alice1, 'calls.frameKey', { callId });
    keys.set(callId, aliceKey);
    // A ringing device may fetch the key before it answers; it is the caller's.
    expect((await ask(bob2, 'calls.frameKey', { callId })).baseKey).toBe(aliceKey.baseKey);

    expect(await ask(bob2, 'calls.decline', { callId })).toMatchObject({ phase: 'ended', reason: { kind: 'declined' } });
    await waitForLine(alice1, chat, 'Bob declined the call.');
    await waitForLine(alice2, chat, 'Bob declined the call.');
    await waitForLine(bob1, chat, 'You declined a call from Alice.');
    await waitForLine(bob2, chat, 'You declined a call from Alice.');
    expect(phaseOf(bob1, callId)).toBe('ended:declined');
    expect(activities(alice1).at(-1)).toEqual({ active: false, ringing: false });
    expect(activities(bob1).at(-1)).toEqual({ active: false, ringing: false });
    expect(notices(bob1, chat).at(-1)).toEqual({ title: 'Alice', body: 'Incoming audio call' });
  }, 60_000);

  it('is cancelled by Alice before anyone answers: a missed call with a notification on Bob’s devices; and it had a frame key of its own', async () => {
    const { callId } = await aliceCalls();
    await waitForPhase(bob1, callId, 'incoming');
    await waitForPhase(bob2, callId, 'incoming');
    // The same epoch as the declined call, another call id: another key (the id is the exporter's context).
    const key = await ask(alice1, 'calls.frameKey', { callId });
    const declined = keys.get(callIds.at(-2) ?? '');
    expect(key.epoch).toBe(declined?.epoch);
    expect(key.baseKey).not.toBe(declined?.baseKey);
    expect((await ask(bob1, 'calls.frameKey', { callId })).baseKey).toBe(key.baseKey);
    // The key of an ended call is not handed out any more.
    expect(await refusal(alice1, 'calls.frameKey', { callId: callIds.at(-2) ?? '' })).toBe('call-not-found');

    expect(await ask(alice1, 'calls.hangUp', { callId, dataChannelOpen: false })).toMatchObject({ phase: 'ended', reason: { kind: 'cancelled' } });
    await waitForLine(alice1, chat, 'You cancelled the call to Bob.');
    await waitForLine(alice2, chat, 'You cancelled the call to Bob.');
    for (const bob of [bob1, bob2]) {
      await waitForPhase(bob, callId, 'ended:cancelled');
      await waitForLine(bob, chat, 'Missed call from Alice.');
      expect(notices(bob, chat).at(-1)).toEqual({ title: 'Alice', body: 'Missed video call' });
      expect(activities(bob).at(-1)).toEqual({ active: false, ringing: false });
    }
  }, 60_000);

  it('finds Bob busy when his device is already in a call', async () => {
    const carolChat = (await ask(bob1, 'conversations.openOneToOne', { user: { id: carolUser.id, domain: carolUser.domain } })).id;
    await expect.poll(() => listed(carol, carolChat), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => listed(bob2, carolChat), { timeout: 30_000 }).toBe(true);
    const { callId: toCarol } = await ask(bob1, 'calls.prepare', { conversationId: carolChat, media: 'audio' });
    await ask(bob1, 'calls.start', { callId: toCarol, offer: description() });
    await waitForPhase(carol, toCarol, 'incoming');
    await ask(carol, 'calls.accept', { callId: toCarol, answer: description('answer') });
    await waitForPhase(bob1, toCarol, 'connecting');
    // Busy devices refuse to prepare another call.
    expect(await refusal(bob1, 'calls.prepare', { conversationId: chat, media: 'audio' })).toBe('call-busy');

    const { callId } = await aliceCalls('audio');
    await waitForPhase(alice1, callId, 'ended:busy');
    await waitForLine(alice1, chat, 'Bob was busy in another call.');
    await waitForLine(bob1, chat, 'Missed call from Alice while you were in another call.');
    await waitForPhase(bob2, callId, 'ended:busy');
    expect(phaseOf(bob1, toCarol)).toBe('connecting');

    await ask(bob1, 'calls.hangUp', { callId: toCarol, dataChannelOpen: false });
    await waitForPhase(carol, toCarol, 'ended:completed');
  }, 90_000);

  it('is missed when nobody answers within the ring time: "did not answer" for Alice, "Missed call" and a notification for Bob', async () => {
    // The notification preferences apply to calls: Bob's first device shows no names, his second none at all.
    await ask(bob1, 'preferences.set', { notificationContent: 'nothing' });
    await ask(bob2, 'preferences.set', { desktopNotifications: false });
    const noticesBefore = { bob1: notices(bob1, chat).length, bob2: notices(bob2, chat).length };
    const { callId } = await aliceCalls();
    await waitForPhase(bob1, callId, 'incoming');
    await waitForPhase(alice1, callId, 'ended:no-answer', RING_MS + 15_000);
    await waitForLine(alice1, chat, 'Bob did not answer.');
    for (const bob of [bob1, bob2]) {
      await expect.poll(() => phaseOf(bob, callId), { timeout: 15_000 }).toMatch(/^ended:(no-answer|cancelled)$/);
      await waitForLine(bob, chat, 'Missed call from Alice.');
    }
    expect(notices(bob1, chat).slice(noticesBefore.bob1)).toEqual([
      { title: 'Cairn', body: 'Incoming call' },
      { title: 'Cairn', body: 'Missed call' },
    ]);
    expect(notices(bob2, chat).slice(noticesBefore.bob2)).toEqual([]);
    expect(activities(alice1).at(-1)).toEqual({ active: false, ringing: false });
  }, 60_000);

  it('refuses malformed call requests in the router, and calls where there are none', async () => {
    const malformed: Array<[string, unknown]> = [
      ['calls.prepare', { conversationId: chat, media: 'screen' }],
      ['calls.start', { callId: 'not-a-uuid', offer: description() }],
      ['calls.start', { callId: randomUUID(), offer: { sdp: 'o=nothing', fingerprint: description().fingerprint } }],
      ['calls.accept', { callId: randomUUID(), answer: { ...description(), fingerprint: { algorithm: 'sha-1', value: 'AB' } } }],
      ['calls.hangUp', { callId: randomUUID() }],
      ['calls.report', { callId: randomUUID(), report: { kind: 'connection-failed', code: 'bored' } }],
      ['calls.frameKey', { callId: randomUUID(), epoch: 1 }],
    ];
    for (const [channel, payload] of malformed) {
      expect(await alice1.core.router.handle(channel, payload), channel).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    }
    expect(await refusal(alice1, 'calls.start', { callId: randomUUID(), offer: description() })).toBe('call-not-found');
    expect(await refusal(alice1, 'calls.prepare', { conversationId: randomUUID(), media: 'audio' })).toBe('conversation-not-found');
    const group = await ask(alice1, 'conversations.create', { name: 'Not for calls', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    expect(await refusal(alice1, 'calls.prepare', { conversationId: group.id, media: 'audio' })).toBe('call-no-calls-here');
    // An offer that does not name the certificate it claims is refused before anything is sent.
    const { callId } = await ask(alice1, 'calls.prepare', { conversationId: chat, media: 'audio' });
    const offer = description();
    expect(await refusal(alice1, 'calls.start', { callId, offer: { sdp: offer.sdp, fingerprint: description().fingerprint } })).toBe('call-bad-description');
    expect(await ask(alice1, 'calls.hangUp', { callId, dataChannelOpen: false })).toMatchObject({ phase: 'ended', reason: { kind: 'cancelled' } });
    expect(activities(alice1).at(-1)).toEqual({ active: false, ringing: false });
  }, 60_000);

  it('leaves the server nothing but MLS ciphertext in the buckets of text messages, and no log line naming a call', async () => {
    const db = new Database(path.join(env.serverDir, 'cairn.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT e.payload FROM conv_log l JOIN events e ON e.id = l.event_id WHERE l.conv_id = ? ORDER BY l.id').pluck().all(chat);
      const events = rows.map((r) => JSON.parse(String(r)) as { type: string; data: string });
      expect(events.length).toBeGreaterThan(callIds.length * 2);
      for (const event of events) {
        expect(event.type).toBe('conversation.mls-message-add');
        const header = must(readMessageHeader(Buffer.from(event.data, 'base64')));
        // Application messages are PrivateMessages (content type 1); only commits are public.
        if (header.wireFormat === 'private') expect(header.contentType).toBe(1);
      }
      // The same sizes as text: a setup and a text whose content encodes to the same length
      // leave ciphertexts of one length (the padding is the text's: messagePadding.ts).
      const offer = description();
      const setup: Content = { type: 'call-setup', callId: randomUUID(), sdp: offer.sdp, fingerprint: offer.fingerprint, media: 'video', cbr: false };
      const setupLength = encodeContent({ v: 1, id: randomUUID(), sentAt: Date.now(), content: setup }).length;
      const text = textOfEncodedLength(setupLength);
      const { callId } = await ask(alice1, 'calls.prepare', { conversationId: chat, media: 'video' });
      callIds.push(callId);
      const sizeBefore = rows.length;
      await ask(alice1, 'calls.start', { callId, offer });
      // Sending is optimistic: the text is posted after `messages.send` answers.
      const sent = await ask(alice1, 'messages.send', { conversationId: chat, text });
      expect(await settled(alice1, sent.id)).toBe('sent');
      const newer = db
        .prepare('SELECT e.payload FROM conv_log l JOIN events e ON e.id = l.event_id WHERE l.conv_id = ? ORDER BY l.id')
        .pluck()
        .all(chat)
        .slice(sizeBefore)
        .map((r) => JSON.parse(String(r)) as { data: string; fromClient: string })
        .filter((e) => e.fromClient === aliceUser.clientId)
        .map((e) => Buffer.from(e.data, 'base64').length);
      expect(newer).toHaveLength(2);
      expect(newer[0]).toBe(newer[1]);
      await ask(alice1, 'calls.hangUp', { callId, dataChannelOpen: false });
    } finally {
      db.close();
    }
    // Neither the store nor the log names any call.
    const stored = Buffer.concat(await Promise.all(['cairn.db', 'cairn.db-wal'].map((f) => readFile(path.join(env.serverDir, f)).catch(() => Buffer.alloc(0)))));
    expect(logText.split('\n').length).toBeGreaterThan(20);
    for (const callId of callIds) {
      expect(stored.includes(callId), 'the server stored a call id').toBe(false);
      expect(logText.includes(callId), 'the server logged a call id').toBe(false);
      expect(logText.toLowerCase().includes('call-setup'), 'the server logged a call message type').toBe(false);
    }
  }, 60_000);
});

/** A text whose content message encodes to exactly `length` bytes. */
function textOfEncodedLength(length: number): string {
  const encoded = (t: string) => encodeContent({ v: 1, id: randomUUID(), sentAt: Date.now(), content: { type: 'text', text: t, mentions: [] } }).length;
  const overhead = encoded('x') - 1;
  for (let size = Math.max(1, length - overhead - 4); size <= length - overhead + 4; size++) {
    if (encoded('x'.repeat(size)) === length) return 'x'.repeat(size);
  }
  throw new Error(`no text encodes to ${length} bytes`);
}

/**
 * A device of Bob answers after Bob's first device did (it never saw that answer): Alice's device
 * refuses it with a `call-reject` "answered elsewhere" addressed to that device alone, and goes on
 * with the call it has.
 */
async function lateAnswerIsRefused(late: RawMember, callId: string): Promise<void> {
  const db = new Database(path.join(env.serverDir, 'cairn.db'), { readonly: true });
  try {
    const lastId = (): number => Number(db.prepare('SELECT coalesce(max(id), 0) FROM conv_log WHERE conv_id = ?').pluck().get(chat));
    const before = lastId();
    const answer = description('answer');
    await postAsMember(late, chat, await encryptContent(late, chat, { type: 'call-answer', callId, sdp: answer.sdp, fingerprint: answer.fingerprint, cbr: false }));
    const fromAlice = (): Array<{ data: string }> =>
      db
        .prepare('SELECT e.payload FROM conv_log l JOIN events e ON e.id = l.event_id WHERE l.conv_id = ? AND l.id > ? AND l.sender_client = ?')
        .pluck()
        .all(chat, before, aliceUser.clientId)
        .map((r) => JSON.parse(String(r)) as { data: string });
    await expect.poll(() => fromAlice().length, { timeout: 15_000 }).toBe(1);
    const [posted] = fromAlice();
    if (posted === undefined) throw new Error('unreachable');
    const group = late.groups.get(chat);
    if (group === undefined) throw new Error('the late device is not in the conversation');
    const opened = must(await late.engine.processMessage(group, new Uint8Array(Buffer.from(posted.data, 'base64'))));
    if (opened.kind !== 'application') throw new Error(`expected an application message, got ${opened.kind}`);
    expect(must(decodeContent(opened.plaintext)).content).toEqual({
      type: 'call-reject',
      callId,
      reason: 'answered-elsewhere',
      to: { user: late.user, clientId: late.identity.clientId },
    });
    // Alice's call goes on with Bob's first device: no new description, still active.
    expect(descriptionsOf(alice1, callId)).toHaveLength(1);
    expect(phaseOf(alice1, callId)).toBe('active');
  } finally {
    db.close();
  }
}
