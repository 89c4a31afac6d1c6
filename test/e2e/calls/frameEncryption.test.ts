/**
 * Frame encryption in a real Chromium call (issue 13): two peer connections in one page of the
 * harness (renderer/calls/harness) under the renderer's CSP, each end with its own frame worker,
 * connected over loopback. Oracles from shared/reference/feas-calls §4: the receiver's analyser
 * finds the sender's tone, video frames are decoded with few key frames, and the workers'
 * counters agree with the RTP statistics; with a wrong key or no key nothing is decoded.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallHarness } from '../../host/callHarness';
import { firstFrameSchema, frameStatsSchema, pollUntil, rtpSchema, startCallHarness, stateSchema, toneSchema } from '../../host/callHarness';

const TONE_HZ = 440;
/** The analyser's bin width at 48 kHz / 8192 is 5.9 Hz; the reference measured 441 Hz for 440 Hz. */
const TONE_TOLERANCE_HZ = 12;

let harness: CallHarness;

beforeAll(async () => {
  harness = await startCallHarness({ toneHz: TONE_HZ });
});

afterEach(async () => {
  await harness.call('close', z.undefined());
});

afterAll(async () => {
  await harness?.close();
});

const key = (): string => randomBytes(32).toString('hex');

async function call(keys: { alice: string | null; bob: string | null }): Promise<void> {
  const setup = await harness.call('setup', z.object({ supported: z.boolean() }), { encrypt: true, keys, epoch: 1, width: 1280, height: 720 });
  expect(setup.supported, 'RTCRtpScriptTransform available').toBe(true);
  await harness.call('connect', z.object({ offerToAnswerMs: z.number() }));
  const state = await pollUntil(() => harness.call('state', stateSchema), (s) => s.alice === 'connected' && s.bob === 'connected', 20_000);
  expect(state).toEqual({ alice: 'connected', bob: 'connected' });
}

const frames = (side: 'alice' | 'bob') => harness.call('frames', frameStatsSchema, side);
const rtp = (side: 'alice' | 'bob') => harness.call('rtp', rtpSchema, side);

describe('call media with frame encryption', () => {
  it('plays the other side\'s tone and decodes its video through both workers, and the counters agree with RTP', async () => {
    const shared = key();
    await call({ alice: shared, bob: shared });

    const decoding = await pollUntil(() => rtp('bob'), (r) => r.video.framesDecoded >= 60, 30_000);
    expect(decoding.video.framesDecoded).toBeGreaterThanOrEqual(60);
    const heard = await pollUntil(
      () => harness.call('tone', toneSchema, 'bob'),
      (t) => t.peakHz !== null && Math.abs(t.peakHz - TONE_HZ) <= TONE_TOLERANCE_HZ,
      15_000,
    );
    expect(heard.peakHz).not.toBeNull();
    expect(Math.abs((heard.peakHz ?? 0) - TONE_HZ)).toBeLessThanOrEqual(TONE_TOLERANCE_HZ);

    const bobBefore = await rtp('bob');
    const aliceBefore = await rtp('alice');
    // The workers run behind RTP by a few frames under load: wait until they have caught up with the snapshot.
    const bobFrames = await pollUntil(
      () => frames('bob'),
      (f) => f.audio.decrypted >= bobBefore.audio.packetsReceived * 0.95 && f.video.decrypted >= bobBefore.video.framesDecoded,
      10_000,
    );
    const aliceFrames = await pollUntil(() => frames('alice'), (f) => f.video.encrypted >= aliceBefore.video.framesEncoded * 0.95, 10_000);

    // Nothing failed and nothing lacked a key, in either direction.
    for (const [side, stats] of [['bob', bobFrames], ['alice', aliceFrames]] as const) {
      for (const kind of ['audio', 'video'] as const) expect(stats[kind], `${side} ${kind}`).toMatchObject({ failed: 0, noKey: 0, malformed: 0 });
      expect(stats.audio.replayed, `${side} audio replayed`).toBe(0);
    }
    // Every frame Bob decoded went through his worker first, and his worker opened no frame Alice's did not
    // seal. Before the replay window a loaded Chromium once gave Bob 72 decrypted video frames for Alice's
    // 71 (a frame re-assembled from retransmitted packets reaches the transform again); such a copy now
    // counts as replayed.
    expect(bobFrames.video.decrypted, 'Bob decrypted >= decoded').toBeGreaterThanOrEqual(bobBefore.video.framesDecoded);
    expect(bobFrames.video.decrypted, 'Bob decrypted <= Alice encrypted').toBeLessThanOrEqual(aliceFrames.video.encrypted);
    expect(bobFrames.audio.decrypted, 'Bob audio decrypted <= Alice encrypted').toBeLessThanOrEqual(aliceFrames.audio.encrypted);
    // Opus sends one frame per packet, and each encoded video frame is sealed once: the counters track RTP.
    expect(bobFrames.audio.decrypted, 'Bob audio decrypted ~ packets').toBeGreaterThanOrEqual(bobBefore.audio.packetsReceived * 0.95);
    expect(aliceFrames.video.encrypted, 'Alice encrypted ~ encoded').toBeGreaterThanOrEqual(aliceBefore.video.framesEncoded * 0.95);
    // getStats lags the worker by a few frames under load, so the upper bounds are "eventually".
    const bobLater = await pollUntil(() => rtp('bob'), (r) => r.audio.packetsReceived >= bobFrames.audio.decrypted, 10_000);
    expect(bobLater.audio.packetsReceived, 'packets >= Bob audio decrypted').toBeGreaterThanOrEqual(bobFrames.audio.decrypted);
    const aliceLater = await pollUntil(() => rtp('alice'), (r) => r.video.framesEncoded >= aliceFrames.video.encrypted, 10_000);
    expect(aliceLater.video.framesEncoded, 'encoded >= Alice encrypted').toBeGreaterThanOrEqual(aliceFrames.video.encrypted);
    // The clear VP8 header keeps the depacketizer right: a handful of key frames, not one per few frames.
    expect(bobLater.video.keyFramesDecoded).toBeGreaterThanOrEqual(1);
    expect(bobLater.video.keyFramesDecoded, 'key frames').toBeLessThanOrEqual(5);
    expect(bobFrames.video.decrypt?.count ?? 0).toBeGreaterThan(0);
    expect(harness.problems).toEqual([]);
  });

  it('decodes no video frame and plays no tone when the receiver holds another key', async () => {
    await call({ alice: key(), bob: key() });
    // Frames arrive and are refused: the workers' failure counts are the clock of this test.
    const refused = await pollUntil(() => frames('bob'), (f) => f.video.failed >= 30 && f.audio.failed >= 100, 30_000);
    expect(refused.video.failed).toBeGreaterThanOrEqual(30);
    expect(refused.audio.failed).toBeGreaterThanOrEqual(100);

    const bob = await rtp('bob');
    const bobFrames = await frames('bob');
    expect(bob.video.packetsReceived).toBeGreaterThan(0);
    expect(bob.video.framesDecoded).toBe(0);
    expect(bobFrames.video.decrypted).toBe(0);
    expect(bobFrames.audio.decrypted).toBe(0);
    expect(await harness.call('tone', toneSchema, 'bob')).toMatchObject({ peakHz: null });
    expect(await harness.call('firstFrame', firstFrameSchema, 'bob')).toEqual({ firstFrameMs: null, videoWidth: 0 });
  });

  it('sends no media frame at all while the sender has no key', async () => {
    await call({ alice: null, bob: key() });
    const dropped = await pollUntil(() => frames('alice'), (f) => f.video.noKey >= 30 && f.audio.noKey >= 100, 30_000);
    expect(dropped.video.noKey).toBeGreaterThanOrEqual(30);
    expect(dropped.audio.noKey).toBeGreaterThanOrEqual(100);
    expect(dropped.video.encrypted + dropped.audio.encrypted).toBe(0);

    const bobFrames = await frames('bob');
    expect(bobFrames.video.decrypted + bobFrames.video.failed + bobFrames.audio.decrypted + bobFrames.audio.failed).toBe(0);
    expect((await rtp('bob')).video.framesDecoded).toBe(0);
    expect(await harness.call('tone', toneSchema, 'bob')).toMatchObject({ peakHz: null });
  });

  it('loads its worker from the app\'s own files and refuses a worker from a blob: URL (worker-src \'self\')', async () => {
    const seen = harness.problems.length;
    const outcome: unknown = await harness.page.evaluate(`new Promise((resolve) => {
      const url = URL.createObjectURL(new Blob(['postMessage(1)'], { type: 'text/javascript' }));
      try {
        const worker = new Worker(url);
        worker.onmessage = () => resolve('started');
        worker.onerror = () => resolve('refused');
      } catch {
        resolve('refused');
      }
    })`);
    expect(outcome).toBe('refused');
    expect(harness.problems.slice(seen).join('\n')).toMatch(/Content Security Policy/);
  });

  it('moves to a new epoch key mid-call without losing the picture, and refuses a key of an older epoch', async () => {
    const first = key();
    const second = key();
    await call({ alice: first, bob: first });
    const before = await pollUntil(() => rtp('bob'), (r) => r.video.framesDecoded >= 30, 30_000);
    expect(before.video.framesDecoded).toBeGreaterThanOrEqual(30);

    // Bob's core processes the commit first; Alice's frames of epoch 1 still decrypt (grace period).
    await harness.call('rekey', z.undefined(), { side: 'bob', epoch: 2, key: second });
    await harness.call('rekey', z.undefined(), { side: 'alice', epoch: 2, key: second });
    const after = await pollUntil(() => rtp('bob'), (r) => r.video.framesDecoded >= before.video.framesDecoded + 60, 30_000);
    expect(after.video.framesDecoded).toBeGreaterThanOrEqual(before.video.framesDecoded + 60);
    const heard = await pollUntil(() => harness.call('tone', toneSchema, 'bob'), (t) => t.peakHz !== null && Math.abs(t.peakHz - TONE_HZ) <= TONE_TOLERANCE_HZ, 15_000);
    expect(Math.abs((heard.peakHz ?? 0) - TONE_HZ)).toBeLessThanOrEqual(TONE_TOLERANCE_HZ);
    const bobFrames = await frames('bob');
    expect(bobFrames.video.failed + bobFrames.audio.failed).toBe(0);

    await harness.call('rekey', z.undefined(), { side: 'alice', epoch: 1, key: first });
    const refused = await pollUntil(() => harness.call('rejections', z.array(z.string()), 'alice'), (r) => r.length > 0, 10_000);
    expect(refused).toEqual(['stale-epoch']);
    // Alice still seals with epoch 2: Bob keeps decoding.
    const later = await pollUntil(() => rtp('bob'), (r) => r.video.framesDecoded >= after.video.framesDecoded + 30, 30_000);
    expect(later.video.framesDecoded).toBeGreaterThanOrEqual(after.video.framesDecoded + 30);
    expect((await frames('bob')).video.failed).toBe(0);
  });
});
