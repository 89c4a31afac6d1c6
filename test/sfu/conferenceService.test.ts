import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConferenceGroup } from '../../electron/core/calls/conference/conferenceGroup';
import { sfuRoom } from '../../electron/core/calls/conference/ephemeralIds';
import { silentLogger } from '../../electron/core/log';
import type { EventOf } from '../../electron/core/ipc/contract';
import { decodeContent } from '../../protocol/content/codec';
import type { ObservedCore, SignedInUser } from '../support/cores';
import { eventsOf, registerThroughCore, startCore } from '../support/cores';
import { filesUnder } from '../support/profileContents';
import type { RawMember } from '../support/rawMember';
import { addRawDevice, joinExternally } from '../support/rawMember';
import { requireSfuNamespace } from '../support/sfuNamespace';
import { useTestServer } from '../support/testServer';
import { activities, ask, refusal, systemLines, waitForLine } from '../integration/calls/support/callCores';
import type { MediaPage } from './support/mediaPage';
import { openMediaPage, waitUntil } from './support/mediaPage';

/*
 * Issue 14, the core's side of conferences: three real cores in a group conversation, the real
 * server over TLS with its own Janus (in the SFU test namespace), and one Chromium page that
 * makes each participant's publish offer and answers its subscription offers, as the renderer
 * would (no SFrame worker here: the renderer's tests cover the frames). A raw device of Carol's
 * account, a real member of the conversation's MLS group, reads the start messages as any
 * member can, so the test knows the call secret and can look for it where it must not be.
 */

requireSfuNamespace();

/** The key ratchet period for this file: several steps within one test call. */
const RATCHET_MS = 2_500;

let serverLogText = '';
const serverLog = new PassThrough();
serverLog.on('data', (chunk: Buffer) => {
  serverLogText += chunk.toString('utf8');
});
const env = useTestServer('sfu-conference', { sfu: { kind: 'local', required: true }, logLevel: 'debug', logStream: serverLog });
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let carol: ObservedCore;
let users: Map<ObservedCore, SignedInUser>;
let observer: RawMember;
let chat: string;
/** Alice and Bob's 1:1 conversation: one call or conference at a time per device. */
let oneToOne: string;
let page: MediaPage | undefined;
let conferenceId: string;

type Key = EventOf<'conference.frameKey'>;
type Subscription = EventOf<'conference.subscription'>;
type View = EventOf<'conference.state'>;

const media = (): MediaPage => {
  if (!page) throw new Error('no media page');
  return page;
};

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  const start = (name: string): ObservedCore => {
    const o = startCore(env.root, name, { callTimings: { conferenceRatchetMs: RATCHET_MS } });
    cores.push(o);
    return o;
  };
  [alice, bob, carol] = [start('alice'), start('bob'), start('carol')];
  users = new Map();
  for (const [o, name] of [[alice, 'Alice'], [bob, 'Bob'], [carol, 'Carol']] as const) {
    users.set(o, await registerThroughCore(o, env.server, env.root, `${name.toLowerCase()}@example.test`, name));
  }
  const member = (o: ObservedCore) => {
    const user = users.get(o);
    if (!user) throw new Error('unknown core');
    return { id: user.id, domain: user.domain };
  };
  chat = (await ask(alice, 'conversations.create', { name: 'Team', members: [member(bob), member(carol)] })).id;
  for (const o of [bob, carol]) {
    await until(async () => {
      const list = await o.core.router.request('conversations.list', {});
      return list.ok && list.value.conversations.some((c) => c.id === chat);
    }, 60_000, `${o.profile} sees the conversation`);
  }
  oneToOne = (await ask(alice, 'conversations.openOneToOne', { user: member(bob) })).id;
  await until(async () => {
    const list = await bob.core.router.request('conversations.list', {});
    return list.ok && list.value.conversations.some((c) => c.id === oneToOne);
  }, 60_000, 'Bob sees the 1:1 conversation');
  observer = await addRawDevice(env.server, 'carol@example.test', 'Carol');
  await joinExternally(observer, chat);
  // Every core takes the observer's commit before anything is sent in the conversation.
  for (const o of [alice, bob, carol]) {
    await until(async () => {
      const devices = await o.core.router.request('conversations.devices', { conversationId: chat });
      return devices.ok && devices.value.devices.some((d) => JSON.stringify(d).includes(observer.identity.clientId));
    }, 30_000, `${o.profile} sees the observer's device`);
  }
  page = await openMediaPage();
}, 240_000);

afterAll(async () => {
  await page?.close();
  await Promise.all(cores.map((c) => c.core.close()));
  observer?.api.close();
});

const keysOf = (o: ObservedCore): Key[] => (eventsOf(o, 'conference.frameKey') as Key[]).filter((k) => k.conferenceId === conferenceId);
const subscriptionsOf = (o: ObservedCore): Subscription[] => (eventsOf(o, 'conference.subscription') as Subscription[]).filter((s) => s.conferenceId === conferenceId);
const viewsOf = (o: ObservedCore, id = conferenceId): View[] => (eventsOf(o, 'conference.state') as View[]).filter((v) => v.conferenceId === id);
const lastKey = (o: ObservedCore): Key | undefined => keysOf(o).at(-1);
const selfLeaf = (o: ObservedCore): number | undefined => viewsOf(o).at(-1)?.participants.find((p) => p.self)?.leaf;

/** Refusals of subscription answers other than a newer offer overtaking one (none expected). */
const answerErrors: string[] = [];

/** Answers every subscription offer a core announces, as the renderer does, until stopped. */
function answerSubscriptions(o: ObservedCore, name: string): () => void {
  let answered = 0;
  let stopped = false;
  const run = async (): Promise<void> => {
    while (!stopped) {
      const latest = subscriptionsOf(o).at(-1);
      if (latest !== undefined && latest.version > answered) {
        answered = latest.version;
        const answer = await media().subscribeAnswer(name, latest.offer);
        const result = await o.core.router.request('conferences.answerSubscription', { conferenceId, version: latest.version, answer });
        // A newer offer may have come meanwhile: that one is answered next. After leaving, nothing is.
        if (!result.ok && result.error.code === 'conference-not-joined') return;
        if (!result.ok && result.error.code !== 'conference-stale-subscription') answerErrors.push(`${o.profile}: ${result.error.code} ${result.error.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  void run();
  return () => {
    stopped = true;
  };
}

/** Publishes the core's media from the page: offer → core → Janus → answer applied. */
async function publish(o: ObservedCore, name: string): Promise<void> {
  const offer = await media().publishOffer(name);
  const { answer } = await ask(o, 'conferences.publish', { conferenceId, offer });
  expect(answer.startsWith('v=0')).toBe(true);
  await media().applyAnswer(name, answer);
  expect(await waitUntil(async () => (await media().connectionState(name)) === 'connected', 30_000)).toBe(true);
}

/** The call secret of each start message, as a member of the conversation decrypts them, and its call group. */
const starts = new Map<string, Uint8Array>();
const callGroups = new Map<string, string>();
let observerCursor = 0;
async function readStarts(): Promise<void> {
  for (;;) {
    const page_ = await observer.api.call('getNotifications', { query: { since: observerCursor } });
    if (page_.notifications.length === 0) return;
    for (const notification of page_.notifications) {
      observerCursor = notification.id;
      const { event } = notification;
      if (event.type !== 'conversation.mls-message-add' || event.conversation.id !== chat) continue;
      const group = observer.groups.get(chat);
      if (group === undefined) continue;
      const processed = await observer.engine.processMessage(group, new Uint8Array(Buffer.from(event.data, 'base64')));
      if (!processed.ok) continue;
      observer.groups.set(chat, processed.value.group);
      if (processed.value.kind !== 'application') continue;
      const content = decodeContent(processed.value.plaintext);
      if (content.ok && content.value.content.type === 'conference-start') {
        starts.set(content.value.content.conferenceId, content.value.content.secret);
        callGroups.set(content.value.content.conferenceId, content.value.content.callGroupId);
      }
    }
  }
}

const stops: Array<() => void> = [];
afterAll(() => {
  for (const stop of stops) stop();
});

describe('a conference through a real Janus between three cores', () => {
  it('starts on one device, is offered to the others, and every participant publishes and subscribes to the other two by leaf with the same epoch key', async () => {
    const started = await ask(alice, 'conferences.start', { conversationId: chat, media: 'video' });
    conferenceId = started.conferenceId;
    expect(started).toMatchObject({ conversationId: chat, media: 'video', cbr: true, phase: 'joining' });
    expect(started.participants).toMatchObject([{ self: true, leaf: 0 }]);
    expect(activities(alice).at(-1)).toEqual({ active: true, ringing: false });
    // One call or conference at a time on a device.
    expect(await refusal(alice, 'conferences.start', { conversationId: chat, media: 'audio' })).toBe('call-busy');
    expect(await refusal(alice, 'calls.prepare', { conversationId: oneToOne, media: 'audio' })).toBe('call-busy');
    stops.push(answerSubscriptions(alice, 'alice-sub'));
    await publish(alice, 'alice-pub');

    for (const o of [bob, carol]) {
      await expect.poll(() => viewsOf(o).at(-1)?.phase, { timeout: 20_000 }).toBe('available');
      expect((await ask(o, 'conferences.list', {})).conferences.map((c) => c.conferenceId)).toContain(conferenceId);
      await waitForLine(o, chat, 'Alice started a group call.');
    }
    expect(await systemLines(alice, chat)).toContain('You started a group call.');

    for (const [o, name] of [[bob, 'bob'], [carol, 'carol']] as const) {
      const joined = await ask(o, 'conferences.join', { conferenceId, media: 'video' });
      expect(joined.phase).toMatch(/^join/);
      stops.push(answerSubscriptions(o, `${name}-sub`));
      await publish(o, `${name}-pub`);
    }

    // All three hold the same epoch's key, each with its own leaf.
    await expect
      .poll(() => new Set([alice, bob, carol].map((o) => `${lastKey(o)?.epoch}:${lastKey(o)?.baseKey}`)).size, { timeout: 30_000 })
      .toBe(1);
    const leaves = [alice, bob, carol].map((o) => lastKey(o)?.selfLeaf);
    expect(new Set(leaves).size).toBe(3);
    for (const o of [alice, bob, carol]) expect(await ask(o, 'conferences.frameKey', { conferenceId })).toMatchObject({ epoch: lastKey(o)?.epoch, baseKey: lastKey(o)?.baseKey });

    // Each subscribes to the other two: audio and video of both, named by their leaves.
    for (const o of [alice, bob, carol]) {
      const others = leaves.filter((leaf) => leaf !== lastKey(o)?.selfLeaf).sort();
      await expect
        .poll(() => [...new Set(subscriptionsOf(o).at(-1)?.streams.map((s) => s.leaf))].sort(), { timeout: 30_000, message: `${o.profile} subscribes to both others` })
        .toEqual(others);
      const kinds = subscriptionsOf(o).at(-1)?.streams.map((s) => s.kind).sort();
      expect(kinds).toEqual(['audio', 'audio', 'video', 'video']);
      await expect.poll(() => viewsOf(o).at(-1)?.participants.map((p) => p.leaf).sort(), { timeout: 20_000 }).toEqual([...leaves].sort());
      await expect.poll(() => viewsOf(o).at(-1)?.phase, { timeout: 20_000 }).toBe('joined');
    }
    // Janus forwards the media: the page decodes video on every subscribing connection.
    expect(await waitUntil(async () => (await Promise.all(['alice-sub', 'bob-sub', 'carol-sub'].map((n) => media().framesDecoded(n)))).every((f) => f > 0), 30_000, 250)).toBe(true);

    // Media state travels to the others inside MLS.
    await ask(bob, 'conferences.setMedia', { conferenceId, media: { muted: true, cameraOff: false, sharing: false } });
    const bobLeaf = selfLeaf(bob);
    await expect.poll(() => viewsOf(alice).at(-1)?.participants.find((p) => p.leaf === bobLeaf)?.muted, { timeout: 20_000 }).toBe(true);
    expect(answerErrors).toEqual([]);
  }, 240_000);

  it('moves the key one ratchet step per period without a message, the same step for every participant', async () => {
    const epoch = lastKey(alice)?.epoch;
    await expect.poll(() => Math.max(...keysOf(alice).filter((k) => k.epoch === epoch).map((k) => k.step)), { timeout: 6 * RATCHET_MS + 10_000 }).toBeGreaterThanOrEqual(2);
    const steps = keysOf(alice).filter((k) => k.epoch === epoch).map((k) => k.step);
    // Each step once, in order; the base key named is the epoch's own (the worker ratchets).
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(steps.length);
    expect(new Set(keysOf(alice).filter((k) => k.epoch === epoch).map((k) => k.baseKey)).size).toBe(1);
    await expect.poll(() => lastKey(bob)?.step, { timeout: 3 * RATCHET_MS + 5_000 }).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('gives those who stay a new epoch key when one leaves, which the leaver never gets', async () => {
    const carolKey = lastKey(carol);
    const carolLeaf = selfLeaf(carol);
    const before = { alice: lastKey(alice)?.epoch ?? -1, bob: lastKey(bob)?.epoch ?? -1 };
    const leftAt = Date.now();
    const left = await ask(carol, 'conferences.leave', { conferenceId });
    expect(left).toMatchObject({ phase: 'ended', reason: { kind: 'left' } });
    // Still running without Carol: she may join again.
    await expect.poll(() => viewsOf(carol).at(-1)?.phase, { timeout: 10_000 }).toBe('available');
    await expect.poll(() => (lastKey(alice)?.epoch ?? -1) > before.alice && (lastKey(bob)?.epoch ?? -1) > before.bob, { timeout: 20_000 }).toBe(true);
    const newKeyMs = Date.now() - leftAt;
    console.log(`conference: a new epoch key reached the others ${newKeyMs} ms after Carol left`);
    await expect.poll(() => lastKey(alice)?.baseKey === lastKey(bob)?.baseKey, { timeout: 10_000 }).toBe(true);
    expect(lastKey(alice)?.baseKey).not.toBe(carolKey?.baseKey);
    // Carol got no key after leaving, and asking is refused.
    expect(keysOf(carol).filter((k) => k.epoch > (carolKey?.epoch ?? 0))).toEqual([]);
    expect(await refusal(carol, 'conferences.frameKey', { conferenceId })).toBe('conference-not-joined');
    // Alice and Bob now see each other only.
    for (const o of [alice, bob]) {
      await expect.poll(() => viewsOf(o).at(-1)?.participants.some((p) => p.leaf === carolLeaf), { timeout: 20_000 }).toBe(false);
    }
    expect(activities(carol).at(-1)).toEqual({ active: false, ringing: false });
  }, 90_000);

  it('ends when the last device leaves: everyone gets the end line, and the server never held the call secret or the room id in plaintext', async () => {
    await ask(alice, 'conferences.leave', { conferenceId });
    await ask(bob, 'conferences.leave', { conferenceId });
    for (const o of [alice, bob, carol]) {
      await expect.poll(async () => (await systemLines(o, chat)).some((line) => /^Group call ended, \d+:\d\d\.$/.test(line)), { timeout: 20_000 }).toBe(true);
      await expect.poll(() => viewsOf(o).at(-1)?.phase, { timeout: 20_000 }).toBe('ended');
      expect((await ask(o, 'conferences.list', {})).conferences).toEqual([]);
    }
    expect(await refusal(carol, 'conferences.join', { conferenceId, media: 'audio' })).toBe('conference-ended');

    await readStarts();
    const secret = starts.get(conferenceId);
    expect(secret?.length).toBe(32);
    if (secret === undefined) return;
    const room = sfuRoom({ bytes: secret });
    const needles = [
      Buffer.from(secret),
      Buffer.from(Buffer.from(secret).toString('base64')),
      Buffer.from(Buffer.from(secret).toString('base64url')),
      Buffer.from(Buffer.from(secret).toString('hex')),
      Buffer.from(String(room.room)),
      Buffer.from(room.pin),
    ];
    const found: string[] = [];
    for (const file of await filesUnder(env.serverDir)) {
      // Janus's own log is the SFU's view (it knows the room by design), not the server's.
      if (file.startsWith('janus')) continue;
      const bytes = await readFile(path.join(env.serverDir, file));
      if (needles.some((needle) => bytes.includes(needle))) found.push(file);
    }
    expect(found).toEqual([]);
    expect(needles.some((needle) => serverLogText.includes(needle.toString('utf8')))).toBe(false);
    expect(serverLogText.length).toBeGreaterThan(0);
  }, 90_000);

  it('gives a second conference in the same conversation another room', async () => {
    // A 1:1 call being placed holds the device too.
    const { callId } = await ask(bob, 'calls.prepare', { conversationId: oneToOne, media: 'audio' });
    expect(await refusal(bob, 'conferences.start', { conversationId: chat, media: 'audio' })).toBe('call-busy');
    await ask(bob, 'calls.hangUp', { callId, dataChannelOpen: false });
    const second = await ask(bob, 'conferences.start', { conversationId: chat, media: 'audio' });
    expect(second.conferenceId).not.toBe(conferenceId);
    await expect.poll(() => viewsOf(alice, second.conferenceId).at(-1)?.phase, { timeout: 20_000 }).toBe('available');
    await readStarts();
    const [first, next] = [starts.get(conferenceId), starts.get(second.conferenceId)];
    if (first === undefined || next === undefined) throw new Error('the observer did not read both start messages');
    expect(sfuRoom({ bytes: next }).room).not.toBe(sfuRoom({ bytes: first }).room);
    await ask(bob, 'conferences.leave', { conferenceId: second.conferenceId });
    await expect.poll(() => viewsOf(alice, second.conferenceId).at(-1)?.phase, { timeout: 20_000 }).toBe('ended');
  }, 90_000);

  it('removes from the call a user removed from the conversation, and a device that signs out, each with a new epoch key for those who stay', async () => {
    const third = await ask(alice, 'conferences.start', { conversationId: chat, media: 'audio' });
    conferenceId = third.conferenceId;
    for (const o of [bob, carol]) {
      await expect.poll(() => viewsOf(o).at(-1)?.phase, { timeout: 20_000 }).toBe('available');
      await ask(o, 'conferences.join', { conferenceId, media: 'audio' });
    }
    // Carol's raw device joins the call group too: it never leaves by itself, so only the key
    // generator's removal can take it out.
    await readStarts();
    const callGroupId = callGroups.get(conferenceId);
    if (callGroupId === undefined) throw new Error('the observer did not read the start message');
    const raw = await ConferenceGroup.join({ api: observer.api, engine: observer.engine, log: silentLogger, review: async () => ({ ok: true }) }, chat, callGroupId);
    expect(raw.ok).toBe(true);
    await expect.poll(() => viewsOf(alice).at(-1)?.participants.length, { timeout: 20_000 }).toBe(4);
    await expect.poll(() => new Set([alice, bob, carol].map((o) => `${lastKey(o)?.epoch}:${lastKey(o)?.baseKey}`)).size, { timeout: 20_000 }).toBe(1);
    const carolKey = lastKey(carol);
    const carolUser = users.get(carol);
    if (carolUser === undefined || carolKey === undefined) throw new Error('Carol is not in the call');
    const carolLeaves = (viewsOf(alice).at(-1)?.participants ?? []).filter((p) => p.user.id === carolUser.id).map((p) => p.leaf);
    expect(carolLeaves).toHaveLength(2);

    // Nobody ever reports media here, so silence cannot be what removes anyone below.
    await ask(alice, 'conversations.removeMember', { conversationId: chat, member: { id: carolUser.id, domain: carolUser.domain } });
    for (const o of [alice, bob]) {
      await expect
        .poll(() => viewsOf(o).at(-1)?.participants.filter((p) => carolLeaves.includes(p.leaf)).length, { timeout: 30_000, message: `${o.profile} no longer lists Carol's devices` })
        .toBe(0);
      expect(lastKey(o)?.epoch ?? -1).toBeGreaterThan(carolKey.epoch);
    }
    await expect.poll(() => viewsOf(carol).at(-1)?.phase, { timeout: 20_000 }).toBe('ended');
    expect(viewsOf(carol).at(-1)?.reason).toEqual({ kind: 'removed' });
    expect(keysOf(carol).filter((k) => k.epoch > carolKey.epoch)).toEqual([]);

    const bobLeaf = selfLeaf(bob);
    const beforeSignOut = lastKey(alice)?.epoch ?? -1;
    expect((await ask(bob, 'account.logout', {})).state).toBe('signed-out');
    await expect.poll(() => viewsOf(alice).at(-1)?.participants.some((p) => p.leaf === bobLeaf), { timeout: 20_000 }).toBe(false);
    expect(lastKey(alice)?.epoch ?? -1).toBeGreaterThan(beforeSignOut);
    // Alice is the last one: her leave ends the call.
    expect(await ask(alice, 'conferences.leave', { conferenceId })).toMatchObject({ phase: 'ended', reason: { kind: 'left' } });
    expect((await ask(alice, 'conferences.list', {})).conferences).toEqual([]);
  }, 120_000);
});
