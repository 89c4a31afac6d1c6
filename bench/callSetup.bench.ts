/**
 * Call set-up with and without frame encryption (issue 13), in the test host's Chromium with the
 * call harness (renderer/calls/harness: two peer connections in one page, loopback, one
 * non-trickle offer/answer round trip, 1280x720 fake camera).
 *
 * - Subject: time from starting the connection (offer) to the first decoded video frame at the
 *   receiver (requestVideoFrameCallback), with the frame worker on both ends. Baseline in the same
 *   run: the same call without the transform. Rounds alternate so load drifts hit both alike.
 * - Also printed: frame encryption + decryption per 720p-sized VP8 frame inside the worker (its
 *   own counters, synthetic frames of 15 KB for a delta and 60 KB for a key frame, since the
 *   loopback encoder stays below 720p during its bandwidth ramp), and the live per-frame cost the
 *   worker measured during the calls.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { firstFrameSchema, frameStatsSchema, measuredSchema, pollUntil, startCallHarness, stateSchema } from '../test/host/callHarness';
import type { CallHarness } from '../test/host/callHarness';
import type { BenchResult } from './harness';

const ROUNDS = 9;
const MEASURE_FRAMES = 400;
const FRAME_SIZES: readonly (readonly [string, number])[] = [
  ['720p delta frame (15 KB)', 15_000],
  ['720p key frame (60 KB)', 60_000],
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timeToFirstFrame(harness: CallHarness, encrypt: boolean): Promise<{ ms: number; liveVideoMs: number | null }> {
  const key = randomBytes(32).toString('hex');
  const setup = await harness.call('setup', z.object({ supported: z.boolean() }), { encrypt, keys: { alice: key, bob: key }, epoch: 1, width: 1280, height: 720 });
  if (!setup.supported) throw new Error('this Chromium has no RTCRtpScriptTransform');
  await harness.call('connect', z.object({ offerToAnswerMs: z.number() }));
  const first = await pollUntil(() => harness.call('firstFrame', firstFrameSchema, 'bob'), (f) => f.firstFrameMs !== null, 30_000, 20);
  if (first.firstFrameMs === null) {
    const state = await harness.call('state', stateSchema);
    throw new Error(`no decoded frame within 30 s (${JSON.stringify(state)})`);
  }
  let liveVideoMs: number | null = null;
  if (encrypt) {
    const stats = await harness.call('frames', frameStatsSchema.nullable(), 'alice');
    const bob = await harness.call('frames', frameStatsSchema.nullable(), 'bob');
    const enc = stats?.video.encrypt?.medianMs;
    const dec = bob?.video.decrypt?.medianMs;
    liveVideoMs = enc === undefined || dec === undefined ? null : enc + dec;
  }
  return { ms: first.firstFrameMs, liveVideoMs };
}

export async function run(): Promise<BenchResult> {
  const harness = await startCallHarness({ toneHz: 440 });
  try {
    const plain: number[] = [];
    const encrypted: number[] = [];
    const live: number[] = [];
    // One warm-up call of each kind (codec start-up, worker bundle cache) is not counted.
    for (let round = -1; round < ROUNDS; round++) {
      for (const encrypt of round % 2 === 0 ? [false, true] : [true, false]) {
        const result = await timeToFirstFrame(harness, encrypt);
        if (round >= 0) {
          (encrypt ? encrypted : plain).push(result.ms);
          if (result.liveVideoMs !== null) live.push(result.liveVideoMs);
        }
        if (encrypt && round === ROUNDS - 1) {
          for (const [label, bytes] of FRAME_SIZES) {
            const { stats, batch } = await harness.call('measure', measuredSchema, { bytes, frames: MEASURE_FRAMES });
            const enc = stats.encrypt?.medianMs ?? Number.NaN;
            const dec = stats.decrypt?.medianMs ?? Number.NaN;
            process.stdout.write(
              `frame encryption + decryption per ${label}: median ${(enc + dec).toFixed(3)} ms from the worker counters ` +
                `(encrypt ${enc.toFixed(1)} + decrypt ${dec.toFixed(1)}, 0.1 ms clock; p95 ${(stats.encrypt?.p95Ms ?? Number.NaN).toFixed(1)} + ${(stats.decrypt?.p95Ms ?? Number.NaN).toFixed(1)}); ` +
                `whole-pass mean ${(batch.encryptMs + batch.decryptMs).toFixed(3)} ms (${batch.encryptMs.toFixed(3)} + ${batch.decryptMs.toFixed(3)}), ${stats.decrypted} frames\n`,
            );
          }
        }
        await harness.call('close', z.undefined());
      }
    }
    process.stdout.write(
      `live calls: worker encrypt + decrypt per video frame, median of the calls' medians: ${median(live).toFixed(3)} ms (the loopback encoder's frames, mostly below 720p)\n` +
        `first decoded frame, each call (ms): with frame encryption ${encrypted.map((v) => v.toFixed(0)).join(' ')}; without ${plain.map((v) => v.toFixed(0)).join(' ')}\n\n`,
    );
    return {
      name: 'callSetup: offer to first decoded video frame, frame encryption on both ends',
      baselineName: 'the same call without the transform',
      baseline: { medianUs: median(plain) * 1000, operations: plain.length },
      subject: { medianUs: median(encrypted) * 1000, operations: encrypted.length },
    };
  } finally {
    await harness.close();
  }
}
