import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callGroupReview } from '../../../electron/core/calls/conference/callGroupReview';
import type { ConferenceDeps, ConferenceKey } from '../../../electron/core/calls/conference/conferenceGroup';
import { ConferenceGroup } from '../../../electron/core/calls/conference/conferenceGroup';
import { baseKeyAtStep } from '../../../electron/core/calls/conference/ratchetSteps';
import type { MlsClientIdentity } from '../../../electron/core/crypto/mls/mlsIdentity';
import { silentLogger } from '../../../electron/core/log';
import { ApiError } from '../../../electron/core/net/apiError';
import { callGroupEvent } from '../../../electron/core/receive/handlers/callGroupEvent';
import { CallGroupInbox } from '../../../electron/core/calls/conference/callGroupInbox';
import { must } from '../../fixtures/mls/mlsTestDevices';
import type { RawMember } from '../../support/rawMember';
import { registerRawMember } from '../../support/rawMember';
import { useTestServer } from '../../support/testServer';
import { FrameKeyring } from '../../../renderer/calls/frameKeys';
import type { SframeResult } from '../../../renderer/calls/sframe';
import { decodeHeader, decryptFrame, encryptFrame, importSframeKey, splitKid } from '../../../renderer/calls/sframe';

/*
 * Issue 14: a conference call is an MLS group of its own under the conversation (a
 * subconversation on the server). Real server over TLS, real devices (accounts, tokens, ts-mls
 * groups through the core's conference service); each device's notifications are read from the
 * server and handed to its conference as the core's receive path does.
 */

const env = useTestServer('conference-groups');
let alice: RawMember;
let bob: RawMember;
let carol: RawMember;
let dave: RawMember;
let erin: RawMember;
let eve: RawMember;
let conversationId: string;
const members = (): RawMember[] => [alice, bob, carol, dave, erin];

beforeAll(async () => {
  const register = (name: string): Promise<RawMember> => registerRawMember(env.server, env.serverDir, `${name}@example.test`, name);
  [alice, bob, carol, dave, erin, eve] = await Promise.all([register('alice'), register('bob'), register('carol'), register('dave'), register('erin'), register('eve')]);
  const created = await alice.api.call('createConversation', {
    body: { type: 'group', name: 'Team', users: [bob, carol, dave, erin].map((member) => member.user) },
  });
  conversationId = created.qualifiedId.id;
}, 120_000);

const cursors = new Map<RawMember, number>();

const inboxes = new Map<RawMember, CallGroupInbox>();

/**
 * Hands the device's call group notifications (in server order) through the core's receive
 * handler and its session's inbox to the conference, as the sync service and runFollowUps do.
 */
async function pump(member: RawMember, conference: ConferenceGroup): Promise<void> {
  const inbox = inboxes.get(member) ?? new CallGroupInbox(silentLogger);
  inboxes.set(member, inbox);
  inbox.add(conference);
  const page = await member.api.call('getNotifications', { query: { since: cursors.get(member) ?? 0 } });
  for (const notification of page.notifications) {
    cursors.set(member, notification.id);
    const { event } = notification;
    if (event.type !== 'conversation.subconv-mls-message-add' && event.type !== 'conversation.subconv-leave') continue;
    for (const effect of callGroupEvent(event, notification)) {
      if (effect.kind === 'follow-up' && effect.followUp.kind === 'call-group-event') inbox.deliver(effect.followUp.event, effect.followUp.time);
    }
  }
  // Deliveries queue behind each other in the conference: wait for the last one.
  await conference.tick();
}

/** Pumps until `done` holds, or fails after the deadline. */
async function pumpUntil(member: RawMember, conference: ConferenceGroup, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await pump(member, conference);
    if (await done()) return;
    if (Date.now() > deadline) throw new Error('the conference did not reach the expected state in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function deps(member: RawMember): ConferenceDeps {
  const parentMembers = (): readonly string[] => members().map((m) => m.user.id);
  return { api: member.api, engine: member.engine, log: silentLogger, review: callGroupReview((device: MlsClientIdentity) => parentMembers().includes(device.userId)) };
}

const hex = (key: ConferenceKey): string => Buffer.from(key.baseKey).toString('hex');

async function statusOf(run: () => Promise<unknown>): Promise<Readonly<{ status: number; code: string }> | 'ok'> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code };
    throw error;
  }
}

/** The renderer's frame keyring (the worker's), holding a conference key as IPC would hand it over. */
function keyring(key: ConferenceKey): FrameKeyring {
  const ring = new FrameKeyring();
  expect(ring.install({ epoch: key.epoch, baseKey: new Uint8Array(key.baseKey.slice(0)), selfLeaf: key.selfLeaf })).toEqual({ ok: true });
  return ring;
}

function unwrap<T>(result: SframeResult<T>): T {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** A frame `from` encrypts with its current send key. */
async function sealFrame(from: FrameKeyring, frame: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const send = await from.sendKey();
  if (send === undefined) throw new Error('no send key');
  return unwrap(await encryptFrame(send.key, send.ctr, new Uint8Array(0), frame));
}

afterAll(() => {
  for (const member of [alice, bob, carol, dave, erin, eve]) member?.api.close();
});

describe('conference call groups', () => {
  let aliceCall: ConferenceGroup;
  let bobCall: ConferenceGroup;

  it('lets two members of the conversation join one call group and derive the same base key with their own leaves', async () => {
    aliceCall = must(await ConferenceGroup.create(deps(alice), conversationId));
    expect(aliceCall.epoch).toBe(1);
    bobCall = must(await ConferenceGroup.join(deps(bob), conversationId, aliceCall.callGroupId));
    await pumpUntil(alice, aliceCall, () => aliceCall.epoch === bobCall.epoch);

    const [a, b] = [must(await aliceCall.currentKey()), must(await bobCall.currentKey())];
    expect(a.epoch).toBe(2);
    expect(b.epoch).toBe(2);
    expect(a.baseKey.byteLength).toBe(32);
    expect(hex(b)).toBe(hex(a));
    expect([a.selfLeaf, b.selfLeaf]).toEqual([0, 1]);
    expect(aliceCall.keyGeneratorLeaf()).toBe(0);
    expect(bobCall.keyGeneratorLeaf()).toBe(0);
    // Both know when the epoch began (the server's time of Bob's join), the start of its ratchet schedule.
    expect(a.epochStartedAt).toBe(b.epochStartedAt);

    const onServer = await alice.api.call('getSubconversation', { params: { conv: conversationId, sub: aliceCall.callGroupId } });
    expect(onServer.epoch).toBe(2);
    expect(onServer.parent.id).toBe(conversationId);
    expect(onServer.clients.map((client) => [client.user.id, client.leafIndex])).toEqual([
      [alice.user.id, 0],
      [bob.user.id, 1],
    ]);
  });

  it('hands the frame worker keys it accepts: a frame Alice sends at ratchet step 1 decrypts with Bob’s keyring, and step 1 is the core’s ratchet of the epoch key', async () => {
    const [a, b] = [must(await aliceCall.currentKey()), must(await bobCall.currentKey())];
    const [aliceRing, bobRing] = [keyring(a), keyring(b)];
    expect(await aliceRing.ratchet()).toBe(true);
    const frame = new Uint8Array(randomBytes(300));
    const sealed = await sealFrame(aliceRing, frame);
    const header = unwrap(decodeHeader(sealed));
    expect(splitKid(header.kid)).toEqual({ step: 1, leaf: a.selfLeaf, epochLow: a.epoch & 0xff });
    const bobKey = await bobRing.keyFor(header.kid);
    if (bobKey === undefined) throw new Error('Bob derived no key for Alice’s step 1');
    expect(unwrap(await decryptFrame(bobKey, header, new Uint8Array(0), sealed))).toEqual(frame);
    const fromCore = await importSframeKey(header.kid, baseKeyAtStep(new Uint8Array(a.baseKey), 1));
    expect(unwrap(await decryptFrame(fromCore, header, new Uint8Array(0), sealed))).toEqual(frame);
    const stepZero = await importSframeKey(header.kid, baseKeyAtStep(new Uint8Array(a.baseKey), 0));
    expect(await decryptFrame(stepZero, header, new Uint8Array(0), sealed)).toEqual({ ok: false, error: 'authentication-failed' });
  });

  it('refuses a user who is not in the conversation with 403, both the GroupInfo and an external commit', async () => {
    const params = { conv: conversationId, sub: aliceCall.callGroupId };
    expect(await statusOf(() => eve.api.call('getSubconversationGroupInfo', { params }))).toEqual({ status: 403, code: 'not-member' });
    expect(await statusOf(() => eve.api.call('getSubconversation', { params }))).toEqual({ status: 403, code: 'not-member' });
    // Even holding a real GroupInfo (a member passed it on), Eve's external commit is refused.
    const { groupInfo } = await alice.api.call('getSubconversationGroupInfo', { params });
    const joined = must(await eve.engine.joinByExternalCommit(new Uint8Array(Buffer.from(groupInfo, 'base64'))));
    const post = () =>
      eve.api.call('postSubconversationCommitBundle', {
        params,
        body: {
          commit: Buffer.from(joined.commit).toString('base64'),
          groupInfo: Buffer.from(joined.groupInfo).toString('base64'),
          adds: [{ user: eve.user, client: eve.identity.clientId }],
          removes: [],
        },
      });
    expect(await statusOf(post)).toEqual({ status: 403, code: 'not-member' });
    expect(await statusOf(() => eve.api.call('createSubconversation', { params: { conv: conversationId }, body: {} }))).toEqual({ status: 403, code: 'not-member' });
    const viaService = await ConferenceGroup.join(deps(eve), conversationId, aliceCall.callGroupId);
    expect(viaService.ok ? 'joined' : viaService.error.code).toBe('not-member');
  });

  it('has the key generator commit the removal of a device that leaves: a new epoch key the leaver cannot derive', async () => {
    const carolCall = must(await ConferenceGroup.join(deps(carol), conversationId, aliceCall.callGroupId));
    await pumpUntil(alice, aliceCall, () => aliceCall.epoch === carolCall.epoch);
    await pumpUntil(bob, bobCall, () => bobCall.epoch === carolCall.epoch);
    const withCarol = must(await carolCall.currentKey());
    expect(hex(must(await aliceCall.currentKey()))).toBe(hex(withCarol));
    const keysSeen: ConferenceKey[] = [];
    aliceCall.onKey((key) => keysSeen.push(key));

    // Carol says she leaves (the server tells the others); the key generator, Alice, removes her.
    must(await carolCall.leave());
    await pumpUntil(alice, aliceCall, () => aliceCall.epoch > withCarol.epoch);
    await pumpUntil(bob, bobCall, () => bobCall.epoch === aliceCall.epoch);
    const after = must(await aliceCall.currentKey());
    expect(after.epoch).toBe(withCarol.epoch + 1);
    expect(keysSeen.map((key) => key.epoch)).toEqual([after.epoch]);
    expect(hex(must(await bobCall.currentKey()))).toBe(hex(after));
    expect(hex(after)).not.toBe(hex(withCarol));
    expect(aliceCall.members().size).toBe(2);
    // Carol's conference gives no key any more, and what she held is the old epoch's.
    await pump(carol, carolCall);
    expect(carolCall.state).toBe('left');
    expect((await carolCall.currentKey()).ok).toBe(false);
  });

  it('removes a device the SFU reports gone, whose still-running state then cannot derive the new key', async () => {
    const daveCall = must(await ConferenceGroup.join(deps(dave), conversationId, aliceCall.callGroupId));
    await pumpUntil(alice, aliceCall, () => aliceCall.epoch === daveCall.epoch);
    await pumpUntil(bob, bobCall, () => bobCall.epoch === daveCall.epoch);
    const daveKey = must(await daveCall.currentKey());

    await aliceCall.reportGone(dave.identity);
    expect(aliceCall.epoch).toBe(daveKey.epoch + 1);
    await pumpUntil(bob, bobCall, () => bobCall.epoch === aliceCall.epoch);
    const after = must(await aliceCall.currentKey());
    expect(hex(must(await bobCall.currentKey()))).toBe(hex(after));
    // Dave never said goodbye: his device processes the removal commit and is out.
    await pumpUntil(dave, daveCall, () => daveCall.state === 'removed');
    expect((await daveCall.currentKey()).ok).toBe(false);
    expect(daveCall.epoch).toBeLessThan(after.epoch);
    expect(hex(daveKey)).not.toBe(hex(after));
    // A worker still holding Dave's last key decrypts nothing Alice sends in the new epoch.
    const daveRing = keyring(daveKey);
    const sealed = await sealFrame(keyring(after), new Uint8Array(randomBytes(200)));
    const header = unwrap(decodeHeader(sealed));
    expect(await daveRing.keyFor(header.kid)).toBeUndefined();
    const forced = await importSframeKey(header.kid, new Uint8Array(daveKey.baseKey.slice(0)));
    expect(await decryptFrame(forced, header, new Uint8Array(0), sealed)).toEqual({ ok: false, error: 'authentication-failed' });
  });

  it('gives a late joiner a first key of an epoch that began with its own join, never an earlier one', async () => {
    const before = must(await aliceCall.currentKey());
    const erinCall = must(await ConferenceGroup.join(deps(erin), conversationId, aliceCall.callGroupId));
    const first = must(await erinCall.currentKey());
    expect(first.epoch).toBe(before.epoch + 1);
    expect(hex(first)).not.toBe(hex(before));
    await pumpUntil(alice, aliceCall, () => aliceCall.epoch === first.epoch);
    expect(hex(must(await aliceCall.currentKey()))).toBe(hex(first));
    must(await erinCall.leave());
    await pumpUntil(alice, aliceCall, () => aliceCall.members().size === 2);
  });

  it('refuses a commit for an epoch that is no longer current (409 with the current epoch)', async () => {
    const params = { conv: conversationId, sub: aliceCall.callGroupId };
    const { groupInfo, epoch } = await erin.api.call('getSubconversationGroupInfo', { params });
    const stale = must(await erin.engine.joinByExternalCommit(new Uint8Array(Buffer.from(groupInfo, 'base64'))));
    // Someone else commits first.
    must(await must(await ConferenceGroup.join(deps(dave), conversationId, aliceCall.callGroupId)).leave());
    await pumpUntil(alice, aliceCall, () => aliceCall.epoch > epoch);
    const post = () =>
      erin.api.call('postSubconversationCommitBundle', {
        params,
        body: {
          commit: Buffer.from(stale.commit).toString('base64'),
          groupInfo: Buffer.from(stale.groupInfo).toString('base64'),
          adds: [{ user: erin.user, client: erin.identity.clientId }],
          removes: [],
        },
      });
    expect(await statusOf(post)).toEqual({ status: 409, code: 'mls-stale-message' });
  });

  it('lets two devices join at the same moment: both get in (a join whose commit loses the race tries again with the newer GroupInfo) and share one key', async () => {
    const [carolCall, erinCall] = await Promise.all([
      ConferenceGroup.join(deps(carol), conversationId, aliceCall.callGroupId),
      ConferenceGroup.join(deps(erin), conversationId, aliceCall.callGroupId),
    ]).then((joined) => joined.map(must));
    if (carolCall === undefined || erinCall === undefined) throw new Error('two joins expected');
    expect(Math.abs(carolCall.epoch - erinCall.epoch)).toBe(1);
    const later = carolCall.epoch > erinCall.epoch ? carolCall : erinCall;
    const earlier = later === carolCall ? erinCall : carolCall;
    await pumpUntil(alice, aliceCall, () => aliceCall.epoch === later.epoch);
    await pumpUntil(later === carolCall ? erin : carol, earlier, () => earlier.epoch === later.epoch);
    const keys = await Promise.all([aliceCall, carolCall, erinCall].map(async (call) => hex(must(await call.currentKey()))));
    expect(new Set(keys).size).toBe(1);
    must(await carolCall.leave());
    must(await erinCall.leave());
    await pumpUntil(alice, aliceCall, () => aliceCall.members().size === 2);
  });

  it('deletes the call group on the server when the last device leaves', async () => {
    const params = { conv: conversationId, sub: aliceCall.callGroupId };
    await pumpUntil(alice, aliceCall, () => aliceCall.members().size === 2);
    must(await bobCall.leave());
    await pumpUntil(alice, aliceCall, () => aliceCall.members().size === 1);
    must(await aliceCall.leave());
    expect(await statusOf(() => alice.api.call('getSubconversation', { params }))).toEqual({ status: 404, code: 'not-found' });
  });
});
