/**
 * The messages between the page (frameCrypto.ts) and the frame worker (frameWorker.ts), with
 * zod schemas on both sides: each side treats the other's messages as outside input.
 */
import { z } from 'zod';

export const MEDIA_KINDS = ['audio', 'video'] as const;

/** The options object of `new RTCRtpScriptTransform(worker, options)`. */
export const transformOptionsSchema = z.object({
  operation: z.enum(['encrypt', 'decrypt']),
  kind: z.enum(MEDIA_KINDS),
});
export type TransformOptions = z.infer<typeof transformOptionsSchema>;

const requestId = z.number().int().nonnegative();

export const pageToWorkerSchema = z.discriminatedUnion('type', [
  /**
   * The base key of an MLS epoch for this call (the core derives it from the exporter) and this
   * device's leaf index, which names its own KID. The worker derives every sender's key itself.
   */
  z.object({
    type: z.literal('key'),
    epoch: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    baseKey: z.instanceof(ArrayBuffer).refine((b) => b.byteLength === 32, 'baseKey must be 32 bytes'),
    selfLeaf: z.number().int().min(0).max(255),
  }),
  /**
   * Move this sender one ratchet step on (RFC 9605 §5.1), or to `step` of its epoch when given
   * (conferences: the core says which 30 s step is due; a step already passed changes nothing).
   */
  z.object({ type: z.literal('ratchet'), step: z.number().int().nonnegative().max(0xffff).optional() }),
  z.object({ type: z.literal('stats'), id: requestId }),
  /** Encrypts and decrypts `frames` synthetic frames of `bytes` with a throw-away key: the per-frame cost, for the bench. */
  z.object({ type: z.literal('measure'), id: requestId, bytes: z.number().int().min(1).max(4_000_000), frames: z.number().int().min(1).max(10_000) }),
  /** The call ended: forget every key; frames still arriving are dropped. */
  z.object({ type: z.literal('close') }),
]);
export type PageToWorker = z.infer<typeof pageToWorkerSchema>;

const timingSchema = z.object({ count: z.number(), medianMs: z.number(), p95Ms: z.number() }).nullable();
export const kindStatsSchema = z.object({
  encrypted: z.number(),
  decrypted: z.number(),
  failed: z.number(),
  noKey: z.number(),
  malformed: z.number(),
  replayed: z.number(),
  bySender: z.array(z.object({ leaf: z.number().int().min(0).max(255), decrypted: z.number(), minBytes: z.number(), maxBytes: z.number() })),
  encrypt: timingSchema,
  decrypt: timingSchema,
});
export const frameStatsSchema = z.object({ audio: kindStatsSchema, video: kindStatsSchema });

/** Mean time per frame of a whole encrypt pass and a whole decrypt pass (finer than the 0.1 ms worker clock). */
export const measuredBatchSchema = z.object({ encryptMs: z.number(), decryptMs: z.number() });
export const measuredSchema = z.object({ stats: kindStatsSchema, batch: measuredBatchSchema });
export type Measured = z.infer<typeof measuredSchema>;

export const workerToPageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('stats'), id: requestId, stats: frameStatsSchema }),
  z.object({ type: z.literal('measured'), id: requestId, stats: kindStatsSchema, batch: measuredBatchSchema }),
  /** A message the worker refused (bad shape, stale epoch); the call code logs it by code. */
  z.object({ type: z.literal('rejected'), code: z.enum(['invalid-message', 'invalid-key', 'stale-epoch']) }),
]);
export type WorkerToPage = z.infer<typeof workerToPageSchema>;
