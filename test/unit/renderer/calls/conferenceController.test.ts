import { describe, expect, it } from 'vitest';
import type { EventOf, RequestChannel, RequestOf, ResponseOf } from '../../../../electron/core/ipc/contract';
import type { Result } from '../../../../protocol/result';
import type { ConferenceDeps, ConferencePort } from '../../../../renderer/calls/conferenceController';
import { ConferenceController, HEARD_EVERY_MS } from '../../../../renderer/calls/conferenceController';
import type { ConferenceKeyInput, ConferenceMedia, ConferenceMediaOptions, ConferenceMediaState, ConferenceStore, ConferenceView, SubscribedStream } from '../../../../renderer/calls/conferenceMedia';
import type { FrameStats } from '../../../../renderer/calls/frameCipher';

/** The fake session's "streams" are strings naming the participant's leaf. */
type Stream = string;

/**
 * The conference controller against a fake bridge (the core's side of the contract, answering
 * by channel) and a fake media session: the order of requests, keys before any offer, the
 * subscription versions, the heard reports, join and leave sounds, and closing when out.
 */

const CONFERENCE = '7f1c2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f';
const CONVERSATION = '0b9d8c7a-6f5e-4d3c-8b2a-19f8e7d6c5b4';
const KEY_A = 'A'.repeat(43);
const KEY_B = 'B'.repeat(43);

type Participant = ConferenceView['participants'][number];

function participant(name: string, leaf: number, self = false): Participant {
  return { user: { id: name, domain: 'example.test' }, clientId: `${name}-1`, self, leaf, feed: 100 + leaf, muted: false, cameraOff: false, sharing: false };
}

function view(phase: ConferenceView['phase'], participants: Participant[]): ConferenceView {
  return { conferenceId: CONFERENCE, conversationId: CONVERSATION, startedBy: { id: 'alice', domain: 'example.test' }, media: 'audio', cbr: true, phase, since: 0, participants };
}

type Handler = (payload: unknown) => Result<unknown>;

class FakeBridge implements ConferencePort {
  readonly calls: { channel: string; payload: unknown }[] = [];
  readonly handlers = new Map<string, Handler>();
  readonly #listeners = new Map<string, ((payload: never) => void)[]>();

  request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
    this.calls.push({ channel, payload });
    const handler = this.handlers.get(channel);
    const result = handler ? handler(payload) : { ok: false as const, error: { code: 'unhandled', message: channel } };
    // The fake answers with what the handler returns; the handlers below return the contract's shapes.
    return Promise.resolve(result as Result<ResponseOf<C>>);
  }

  onEvent<E extends 'conference.state' | 'conference.subscription' | 'conference.frameKey' | 'appLock.state'>(event: E, listener: (payload: EventOf<E>) => void): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as (payload: never) => void);
    this.#listeners.set(event, list);
    return () => undefined;
  }

  emit<E extends 'conference.state' | 'conference.subscription' | 'conference.frameKey'>(event: E, payload: EventOf<E>): void {
    for (const listener of this.#listeners.get(event) ?? []) (listener as (p: EventOf<E>) => void)(payload);
  }

  channels(): string[] {
    return this.calls.map((c) => c.channel);
  }

  payloads(channel: string): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.payload);
  }
}

class FakeMedia implements ConferenceMedia<Stream> {
  readonly log: string[] = [];
  readonly keys: ConferenceKeyInput[] = [];
  remoteStreams = new Map<number, Stream>();
  localVideo = undefined;
  mediaState: ConferenceMediaState = { muted: false, cameraOff: true, sharing: false };
  heardNext: number[] = [];
  closed = false;

  setKey(key: ConferenceKeyInput): void {
    this.keys.push(key);
    this.log.push(`key ${key.epoch}/${key.step}`);
  }
  publishOffer(): Promise<{ ok: true; value: string }> {
    this.log.push('offer');
    return Promise.resolve({ ok: true, value: 'publish-offer' });
  }
  completePublish(answer: string): Promise<{ ok: true; value: null }> {
    this.log.push(`answer ${answer}`);
    return Promise.resolve({ ok: true, value: null });
  }
  answerSubscription(offer: string, streams: readonly SubscribedStream[]): Promise<{ ok: true; value: string }> {
    this.log.push(`subscribe ${offer} ${streams.map((s) => s.leaf).join(',')}`);
    this.remoteStreams = new Map(streams.map((s) => [s.leaf, `stream of ${s.leaf}`]));
    return Promise.resolve({ ok: true, value: `answer-to-${offer}` });
  }
  heard(): Promise<readonly number[]> {
    const heard = this.heardNext;
    this.heardNext = [];
    return Promise.resolve(heard);
  }
  frameStats(): Promise<FrameStats> {
    return Promise.reject(new Error('not used'));
  }
  setMuted(muted: boolean): void {
    this.mediaState = { ...this.mediaState, muted };
  }
  setCameraOn(): Promise<{ ok: true; value: null }> {
    return Promise.resolve({ ok: true, value: null });
  }
  startScreenShare(): Promise<{ ok: true; value: null }> {
    this.mediaState = { ...this.mediaState, sharing: true };
    return Promise.resolve({ ok: true, value: null });
  }
  stopScreenShare(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

class PlainStore implements ConferenceStore<Stream> {
  views: ConferenceView[] = [];
  own = { muted: false, cameraOff: false, sharing: false };
  streams: ReadonlyMap<number, Stream> = new Map();
  localStream: Stream | undefined = undefined;
  speaking: number | undefined = undefined;
  epoch: number | undefined = undefined;
  keyStep: number | undefined = undefined;
  error: { code: string; message: string } | undefined = undefined;
  cleared = 0;
  receive(v: ConferenceView): void {
    this.views = [...this.views.filter((x) => x.conferenceId !== v.conferenceId), v];
  }
  clearMedia(): void {
    this.cleared += 1;
  }
}

function setUp() {
  const bridge = new FakeBridge();
  const store = new PlainStore();
  const media = new FakeMedia();
  const sounds: string[] = [];
  const timers: (() => void)[] = [];
  const opened: ConferenceMediaOptions[] = [];
  const me = participant('bob', 1, true);
  bridge.handlers.set('conferences.list', () => ({ ok: true, value: { conferences: [] } }));
  bridge.handlers.set('conferences.join', () => ({ ok: true, value: view('joining', [participant('alice', 0), me]) }));
  bridge.handlers.set('conferences.leave', () => ({ ok: true, value: { ...view('ended', []), reason: { kind: 'left' } } }));
  bridge.handlers.set('calls.config', () => ({ ok: true, value: { iceServers: [], iceTransportPolicy: 'all' } }));
  bridge.handlers.set('preferences.get', () => ({ ok: true, value: {} }));
  bridge.handlers.set('conferences.frameKey', () => ({ ok: true, value: { conferenceId: CONFERENCE, epoch: 3, baseKey: KEY_A, selfLeaf: 1, step: 2 } }));
  bridge.handlers.set('conferences.publish', () => ({ ok: true, value: { answer: 'sfu-answer' } }));
  bridge.handlers.set('conferences.subscription', () => ({ ok: false, error: { code: 'conference-no-subscription', message: 'none yet' } }));
  for (const channel of ['conferences.answerSubscription', 'conferences.report', 'conferences.setMedia']) bridge.handlers.set(channel, () => ({ ok: true, value: {} }));
  const deps: ConferenceDeps<Stream> = {
    port: bridge,
    store,
    openMedia: (options) => {
      opened.push(options);
      return Promise.resolve({ ok: true, value: media });
    },
    speakers: () => ({ follow: () => undefined, close: () => undefined }),
    sound: (kind) => sounds.push(kind),
    setInterval: (run) => {
      timers.push(run);
      return () => timers.splice(timers.indexOf(run), 1);
    },
  };
  const controller = new ConferenceController(deps);
  controller.follow();
  return { bridge, store, media, sounds, timers, opened, controller, me };
}

/** Lets every queued promise of the controller run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('joining a conference', () => {
  it('installs the frame key (ratcheted to the due step) before the publish offer exists, then publishes and applies the SFU answer', async () => {
    const { bridge, media, controller, opened } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    expect(bridge.channels()).toEqual(['conferences.list', 'conferences.join', 'calls.config', 'preferences.get', 'conferences.frameKey', 'conferences.publish', 'conferences.setMedia', 'conferences.subscription']);
    // The others learn that this device came without its camera.
    expect(bridge.payloads('conferences.setMedia')).toEqual([{ conferenceId: CONFERENCE, media: { muted: false, cameraOff: true, sharing: false } }]);
    expect(media.log).toEqual(['key 3/2', 'offer', 'answer sfu-answer']);
    expect(opened[0]?.video).toBe(false);
    expect(bridge.payloads('conferences.publish')).toEqual([{ conferenceId: CONFERENCE, offer: 'publish-offer' }]);
    expect(new Uint8Array(media.keys[0]?.baseKey ?? new ArrayBuffer(0)).length).toBe(32);
  });

  it('answers each subscription version once, newest wins, and an older version arriving late is skipped', async () => {
    const { bridge, media, controller, store } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    const streams = (leaves: number[]) => leaves.map((leaf, i) => ({ mid: String(i), kind: 'audio' as const, feed: 100 + leaf, leaf }));
    bridge.emit('conference.subscription', { conferenceId: CONFERENCE, version: 1, offer: 'offer-1', streams: streams([0]) });
    bridge.emit('conference.subscription', { conferenceId: CONFERENCE, version: 2, offer: 'offer-2', streams: streams([0, 2]) });
    await settle();
    bridge.emit('conference.subscription', { conferenceId: CONFERENCE, version: 1, offer: 'offer-1', streams: streams([0]) });
    await settle();
    // Both offers came before the first was answered: only the newer one is negotiated.
    expect(bridge.payloads('conferences.answerSubscription')).toEqual([{ conferenceId: CONFERENCE, version: 2, answer: 'answer-to-offer-2' }]);
    expect(media.log.filter((l) => l.startsWith('subscribe'))).toEqual(['subscribe offer-2 0,2']);
    // The tiles get each participant's stream by leaf.
    expect([...store.streams]).toEqual([
      [0, 'stream of 0'],
      [2, 'stream of 2'],
    ]);
  });

  it('keeps a subscription offer that comes before publishing completes and answers it afterwards', async () => {
    const { bridge, media, controller } = setUp();
    bridge.handlers.set('conferences.publish', () => {
      bridge.emit('conference.subscription', { conferenceId: CONFERENCE, version: 0, offer: 'early', streams: [{ mid: '0', kind: 'audio', feed: 100, leaf: 0 }] });
      return { ok: true, value: { answer: 'sfu-answer' } };
    });
    controller.join(CONFERENCE, 'audio');
    await settle();
    expect(media.log).toEqual(['key 3/2', 'offer', 'answer sfu-answer', 'subscribe early 0']);
    expect(bridge.payloads('conferences.answerSubscription')).toEqual([{ conferenceId: CONFERENCE, version: 0, answer: 'answer-to-early' }]);
    expect(bridge.channels()).not.toContain('conferences.subscription');
  });

  it('puts every new frame key (new epoch or ratchet step) into the worker and shows the epoch', async () => {
    const { bridge, media, controller, store } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    bridge.emit('conference.frameKey', { conferenceId: CONFERENCE, epoch: 3, baseKey: KEY_A, selfLeaf: 1, step: 3 });
    bridge.emit('conference.frameKey', { conferenceId: CONFERENCE, epoch: 4, baseKey: KEY_B, selfLeaf: 1, step: 0 });
    expect(media.log.filter((l) => l.startsWith('key'))).toEqual(['key 3/2', 'key 3/3', 'key 4/0']);
    expect(store.epoch).toBe(4);
    expect(store.keyStep).toBe(0);
  });

  it('tells the key generator every few seconds whose frames it decrypted', async () => {
    const { bridge, media, controller, timers } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    expect(timers).toHaveLength(1);
    expect(HEARD_EVERY_MS).toBe(5_000);
    media.heardNext = [0, 2];
    timers[0]?.();
    await settle();
    expect(bridge.payloads('conferences.report')).toContainEqual({ conferenceId: CONFERENCE, report: { kind: 'heard', leaves: [0, 2] } });
  });
});

describe('during a conference', () => {
  it('plays the join sound when a device comes and the leave sound when one goes, not for its own first view', async () => {
    const { bridge, controller, sounds, me } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    bridge.emit('conference.state', view('joined', [participant('alice', 0), me]));
    expect(sounds).toEqual([]);
    bridge.emit('conference.state', view('joined', [participant('alice', 0), me, participant('carol', 2)]));
    bridge.emit('conference.state', view('joined', [participant('alice', 0), me]));
    expect(sounds).toEqual(['join', 'leave']);
  });

  it('sends mute and screen sharing to the others through the core', async () => {
    const { bridge, controller } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    controller.setMuted(CONFERENCE, true);
    controller.setSharing(CONFERENCE, true);
    await settle();
    expect(bridge.payloads('conferences.setMedia')).toEqual([
      { conferenceId: CONFERENCE, media: { muted: false, cameraOff: true, sharing: false } },
      { conferenceId: CONFERENCE, media: { muted: true, cameraOff: true, sharing: false } },
      { conferenceId: CONFERENCE, media: { muted: true, cameraOff: true, sharing: true } },
    ]);
  });

  it('closes its media at once when the core says this device was removed, and answers nothing afterwards', async () => {
    const { bridge, media, controller, store, timers } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    bridge.emit('conference.state', { ...view('ended', []), reason: { kind: 'removed' } });
    expect(media.closed).toBe(true);
    expect(store.cleared).toBe(1);
    expect(timers).toHaveLength(0);
    bridge.emit('conference.subscription', { conferenceId: CONFERENCE, version: 5, offer: 'late', streams: [] });
    await settle();
    expect(media.log.some((l) => l.includes('late'))).toBe(false);
  });

  it('leaving closes the media before the core is asked, and a refused join shows the core\'s sentence without opening media', async () => {
    const { bridge, media, controller, store, opened } = setUp();
    controller.join(CONFERENCE, 'audio');
    await settle();
    controller.leave(CONFERENCE);
    expect(media.closed).toBe(true);
    await settle();
    expect(bridge.channels().at(-1)).toBe('conferences.leave');
    bridge.handlers.set('conferences.join', () => ({ ok: false, error: { code: 'call-busy', message: 'Another call is running on this device.' } }));
    controller.join(CONFERENCE, 'video');
    await settle();
    expect(store.error).toEqual({ code: 'call-busy', message: 'Another call is running on this device.' });
    expect(opened).toHaveLength(1);
  });

  it('a key the core cannot give ends the join: media closed, conference left, the reason shown', async () => {
    const { bridge, media, controller, store } = setUp();
    bridge.handlers.set('conferences.frameKey', () => ({ ok: false, error: { code: 'conference-not-joined', message: 'You are not in this call.' } }));
    controller.join(CONFERENCE, 'audio');
    await settle();
    expect(media.closed).toBe(true);
    expect(media.log).toEqual([]);
    expect(store.error?.code).toBe('conference-not-joined');
    expect(bridge.channels()).toContain('conferences.leave');
    expect(bridge.channels()).not.toContain('conferences.publish');
  });
});
