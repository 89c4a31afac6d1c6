import { randomInt } from 'node:crypto';
import { newCallSecret, sfuRoom } from '../../electron/core/calls/conference/ephemeralIds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JanusEndpoint, JanusEvent, JanusResult, JanusSessionOptions } from '../../electron/core/net/janusClient';
import { JanusSession } from '../../electron/core/net/janusClient';
import { requireSfuNamespace } from '../support/sfuNamespace';
import { useTestServer } from '../support/testServer';
import type { MediaPage } from './support/mediaPage';
import { openMediaPage, waitUntil } from './support/mediaPage';

requireSfuNamespace();

const t = useTestServer('sfu-client', { sfu: { kind: 'local', required: true } });

/** Ids the call code would derive from the per-call secret (HKDF); random here. */
const someId = (): number => randomInt(1, 2 ** 48);

function value<T>(result: JanusResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message} (${String(result.error.janusCode)})`);
  return result.value;
}

let page: MediaPage | undefined;
const sessions: JanusSession[] = [];
let endpoint: JanusEndpoint;

async function openSession(options: JanusSessionOptions = {}): Promise<JanusSession> {
  const session = value(await JanusSession.create(endpoint, options));
  sessions.push(session);
  return session;
}

beforeAll(async () => {
  const [sfu] = t.server.sfus.sftServers(Date.now());
  if (!sfu) throw new Error('the server lists no SFU');
  endpoint = { url: sfu.url, token: sfu.token, pins: sfu.pins };
  page = await openMediaPage();
});

afterAll(async () => {
  for (const session of sessions) await session.destroy();
  await page?.close();
});

const media = (): MediaPage => {
  if (!page) throw new Error('no media page');
  return page;
};

describe('the core talks to Janus VideoRoom', () => {
  it('creates a room with the server token alone (no admin key) under the ids derived from the call secret, and only the room secret destroys it', async () => {
    const session = await openSession();
    const admin = value(await session.attachVideoRoom());
    const ids = sfuRoom(newCallSecret());
    expect(value(await admin.createRoom(ids))).toBe(ids.room);
    const listed = value(await session.message(admin.id, { request: 'exists', room: ids.room }));
    expect(listed.plugindata.data).toMatchObject({ exists: true });
    // Another token holder cannot take the room over: its destroy without the secret is refused.
    const other = value(await (await openSession()).attachVideoRoom());
    expect(await other.destroyRoom(ids.room, 'guessed')).toMatchObject({ ok: false, error: { code: 'sfu-refused' } });
    expect(await other.destroyRoom(ids.room)).toMatchObject({ ok: false, error: { code: 'sfu-refused' } });
    // Nor create it again under its id.
    expect(await other.createRoom({ ...sfuRoom(newCallSecret()), room: ids.room })).toMatchObject({ ok: false, error: { code: 'sfu-refused' } });
    expect(value(await admin.destroyRoom(ids.room, ids.secret))).toBeUndefined();
  });

  it('gives two calls of one conversation different rooms on the SFU', async () => {
    const admin = value(await (await openSession()).attachVideoRoom());
    const [first, second] = [sfuRoom(newCallSecret()), sfuRoom(newCallSecret())];
    expect(first.room).not.toBe(second.room);
    expect(value(await admin.createRoom(first))).toBe(first.room);
    expect(value(await admin.createRoom(second))).toBe(second.room);
  });

  it('refuses a token from another secret before a session exists', async () => {
    const forged = await JanusSession.create({ ...endpoint, token: endpoint.token.replace(/:.*$/, ':AAAAAAAAAAAAAAAAAAAAAAAAAAA=') });
    expect(forged).toMatchObject({ ok: false, error: { code: 'sfu-refused', janusCode: 403 } });
  });

  it('refuses plain http to a host that is not loopback', async () => {
    const remote = await JanusSession.create({ ...endpoint, url: 'http://192.0.2.1:8088/janus' });
    expect(remote).toMatchObject({ ok: false, error: { code: 'sfu-bad-url' } });
  });

  it('refuses a publisher that does not announce e2ee with 433, and takes the same offer marked e2ee', async () => {
    const session = await openSession();
    const admin = value(await session.attachVideoRoom());
    const ids = sfuRoom(newCallSecret());
    const room = value(await admin.createRoom(ids));
    const publisher = value(await session.attachVideoRoom());
    value(await publisher.joinAsPublisher(room, someId(), ids.pin));
    const offer = await media().publishOffer('probe');
    const plain = value(await session.message(publisher.id, { request: 'publish' }, { type: 'offer', sdp: offer }));
    expect(plain.plugindata.data).toMatchObject({ error_code: 433 });
    expect(plain.jsep).toBeUndefined();
    await publisher.detach();
    // A handle whose publish failed keeps half-set-up ICE state in Janus (490 on retry): a fresh one.
    const marked = value(await session.attachVideoRoom());
    value(await marked.joinAsPublisher(room, someId(), ids.pin));
    expect(value(await marked.publish(offer))).toMatchObject({ type: 'answer', e2ee: true });
    await marked.detach();
  });

  it('lets two sessions join a room under the ids they chose, publish, subscribe to each other and decode video', async () => {
    const admin = value(await (await openSession()).attachVideoRoom());
    const { pin, ...rest } = sfuRoom(newCallSecret());
    const room = value(await admin.createRoom({ ...rest, pin }));
    const aliceEvents: JanusEvent[] = [];
    const [alice, bob] = [await openSession({ onEvent: (event) => aliceEvents.push(event) }), await openSession()];
    const [aliceId, bobId] = [someId(), someId()];

    const wrongPin = await (value(await alice.attachVideoRoom())).joinAsPublisher(room, someId(), 'not-the-pin');
    expect(wrongPin).toMatchObject({ ok: false, error: { code: 'sfu-refused' } });

    const alicePub = value(await alice.attachVideoRoom());
    expect(value(await alicePub.joinAsPublisher(room, aliceId, pin))).toEqual({ id: aliceId, publishers: [] });
    await media().applyAnswer('alice-pub', value(await alicePub.publish(await media().publishOffer('alice-pub'))).sdp);
    expect(await waitUntil(async () => (await media().connectionState('alice-pub')) === 'connected', 20_000)).toBe(true);
    // Janus lists a publisher only once its own side of the PeerConnection is up ("webrtcup"),
    // which can come a moment after the browser reports "connected".
    expect(await waitUntil(async () => aliceEvents.some((event) => event.handle === alicePub.id && event.janus === 'webrtcup'), 10_000)).toBe(true);

    const bobPub = value(await bob.attachVideoRoom());
    // Bob's join lists Alice under the id she chose: the SFU knows participants only by these ids.
    expect(value(await bobPub.joinAsPublisher(room, bobId, pin))).toEqual({ id: bobId, publishers: [{ id: aliceId }] });
    await media().applyAnswer('bob-pub', value(await bobPub.publish(await media().publishOffer('bob-pub'))).sdp);
    expect(await waitUntil(async () => (await media().connectionState('bob-pub')) === 'connected', 20_000)).toBe(true);
    // The long poll brings Janus's own events: Alice's handle hears of Bob's feed, by id only.
    const announced = await waitUntil(async () => aliceEvents.some((event) => event.handle === alicePub.id && JSON.stringify(event.body).includes(`"id":${bobId}`)), 10_000);
    expect(announced).toBe(true);

    for (const [session, name, feed] of [[alice, 'alice-sub', bobId], [bob, 'bob-sub', aliceId]] as const) {
      const subscriber = value(await session.attachVideoRoom());
      const subscription = value(await subscriber.joinAsSubscriber(room, [feed], pin));
      expect(subscription.streams.map((stream) => stream.feed)).toEqual([feed, feed]);
      value(await subscriber.start(await media().subscribeAnswer(name, subscription.offer.sdp)));
    }
    const decoding = await waitUntil(async () => (await media().framesDecoded('alice-sub')) > 0 && (await media().framesDecoded('bob-sub')) > 0, 30_000, 250);
    expect({ alice: await media().framesDecoded('alice-sub'), bob: await media().framesDecoded('bob-sub'), decoding }).toMatchObject({ decoding: true });
  });
});
