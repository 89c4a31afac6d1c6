/**
 * What the frame worker does to one encoded frame, without the worker around it, so the unit
 * tests run it in Node: the frame layout, the fail-closed rule and the counters.
 *
 * Layout on the wire: `[clear VP8 payload header (video only)] [SFrame header] [ciphertext || tag]`.
 * The clear prefix is the SFrame `metadata`, so it is authenticated. Why it stays clear
 * (measured, shared/reference/feas-calls §2): Chromium's VP8 depacketizer reads the first payload
 * bytes; with the SFrame header first it took the config byte for the VP8 P bit and the receiver
 * counted 70 key frames in 6 s (and sent PLIs) instead of 1. RFC 6386 §9.1: a key frame starts
 * with a 3-byte frame tag, a 3-byte start code and 4 bytes of dimensions (10 bytes), a delta
 * frame with the 3-byte tag. Audio (Opus) is encrypted whole.
 *
 * Fail closed: a frame is passed on only if it was encrypted (sending) or decrypted and
 * authenticated (receiving) with a key we hold; everything else is dropped and counted.
 */
import type { FrameKeyring } from './frameKeys';
import type { Bytes } from './sframe';
import { TAG_BYTES, decodeHeader, decryptFrame, encryptFrame, splitKid } from './sframe';

export type MediaKind = 'audio' | 'video';
export type FrameOperation = 'encrypt' | 'decrypt';

export const VP8_KEY_FRAME_CLEAR_BYTES = 10;
export const VP8_DELTA_FRAME_CLEAR_BYTES = 3;

export interface FrameInfo {
  readonly kind: MediaKind;
  /** RTCEncodedVideoFrame.type; undefined for audio. */
  readonly videoType: 'key' | 'delta' | 'empty' | undefined;
  /** The codec from the frame's metadata, when the browser gives it. */
  readonly mimeType: string | undefined;
}

/** Bytes left clear in front of the SFrame header: the VP8 payload header, nothing for other codecs or audio. */
export function clearPrefixLength(info: FrameInfo): number {
  if (info.kind !== 'video') return 0;
  // The page pins video to VP8 (frameCrypto.preferVp8); a frame that names another codec is encrypted whole.
  if (info.mimeType !== undefined && info.mimeType.toLowerCase() !== 'video/vp8') return 0;
  return info.videoType === 'key' ? VP8_KEY_FRAME_CLEAR_BYTES : VP8_DELTA_FRAME_CLEAR_BYTES;
}

export type DropReason = 'no-key' | 'malformed' | 'authentication-failed' | 'replayed';

/** `sender`: on a decrypted frame, the leaf index its KID names (RFC 9605 §5.2, Cairn's layout): whose frame it was. */
export type FrameOutcome = { readonly ok: true; readonly data: Bytes; readonly sender?: number } | { readonly ok: false; readonly reason: DropReason };

function joined(prefix: Uint8Array, rest: Uint8Array): Bytes {
  const out = new Uint8Array(prefix.length + rest.length);
  out.set(prefix);
  out.set(rest, prefix.length);
  return out;
}

export async function encryptMediaFrame(keys: FrameKeyring, info: FrameInfo, data: Bytes): Promise<FrameOutcome> {
  const clear = clearPrefixLength(info);
  // A frame shorter than its codec header is not a frame the receiver could split the same way.
  if (data.length < clear) return { ok: false, reason: 'malformed' };
  const send = await keys.sendKey();
  if (send === undefined) return { ok: false, reason: 'no-key' };
  const prefix = data.subarray(0, clear);
  const sealed = await encryptFrame(send.key, send.ctr, prefix, data.subarray(clear));
  if (!sealed.ok) return { ok: false, reason: 'malformed' };
  return { ok: true, data: joined(prefix, sealed.value) };
}

export async function decryptMediaFrame(keys: FrameKeyring, info: FrameInfo, data: Bytes): Promise<FrameOutcome> {
  const clear = clearPrefixLength(info);
  if (data.length < clear + 1 + TAG_BYTES) return { ok: false, reason: 'malformed' };
  const header = decodeHeader(data, clear);
  // A header that leaves no room for the tag is malformed, whatever key it names.
  if (!header.ok || data.length < clear + header.value.length + TAG_BYTES) return { ok: false, reason: 'malformed' };
  const key = await keys.keyFor(header.value.kid);
  if (key === undefined) return { ok: false, reason: 'no-key' };
  const replay = keys.replayWindow(header.value.kid);
  if (replay.check(header.value.ctr) !== 'fresh') return { ok: false, reason: 'replayed' };
  const prefix = data.subarray(0, clear);
  const opened = await decryptFrame(key, header.value, prefix, data.subarray(clear));
  if (!opened.ok) return { ok: false, reason: opened.error === 'authentication-failed' ? 'authentication-failed' : 'malformed' };
  // Checked again: the same frame may have been decrypted meanwhile by an earlier call still awaiting WebCrypto.
  if (replay.check(header.value.ctr) !== 'fresh') return { ok: false, reason: 'replayed' };
  replay.accept(header.value.ctr);
  return { ok: true, data: joined(prefix, opened.value), sender: splitKid(header.value.kid).leaf };
}

/** Per-kind counters the page can read (worker `stats`); timings are per frame in milliseconds. */
export interface KindCounters {
  encrypted: number;
  decrypted: number;
  /** Received frames that were malformed or did not authenticate. */
  failed: number;
  /** Frames dropped because no key was installed for them (sending or receiving). */
  noKey: number;
  /** Outgoing frames whose codec header was shorter than expected. */
  malformed: number;
  /** Received frames whose counter was already seen for their key, or is older than the replay window. */
  replayed: number;
  /**
   * Per sender leaf: decrypted frames (whom this device hears; conferences report it to the key
   * generator) and the smallest and largest decrypted frame (with CBR every Opus frame has one size).
   */
  readonly bySender: Map<number, SenderCounts>;
  readonly encryptMs: number[];
  readonly decryptMs: number[];
}

export interface SenderCounts {
  decrypted: number;
  minBytes: number;
  maxBytes: number;
}

export interface TimingSummary {
  readonly count: number;
  readonly medianMs: number;
  readonly p95Ms: number;
}

export interface KindStats {
  readonly encrypted: number;
  readonly decrypted: number;
  readonly failed: number;
  readonly noKey: number;
  readonly malformed: number;
  readonly replayed: number;
  /** Decrypted frames and their smallest and largest size per sender leaf, lowest leaf first. */
  readonly bySender: { leaf: number; decrypted: number; minBytes: number; maxBytes: number }[];
  readonly encrypt: TimingSummary | null;
  readonly decrypt: TimingSummary | null;
}

export type FrameStats = Readonly<Record<MediaKind, KindStats>>;

/** The newest this many timings per kind and direction are kept. */
const TIMING_WINDOW = 2048;

export function emptyCounters(): KindCounters {
  return { encrypted: 0, decrypted: 0, failed: 0, noKey: 0, malformed: 0, replayed: 0, bySender: new Map(), encryptMs: [], decryptMs: [] };
}

export function recordTiming(samples: number[], ms: number): void {
  samples.push(ms);
  if (samples.length > TIMING_WINDOW) samples.splice(0, samples.length - TIMING_WINDOW);
}

export function summarise(samples: readonly number[]): TimingSummary | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, medianMs: at(0.5), p95Ms: at(0.95) };
}

export function kindStats(counters: KindCounters): KindStats {
  const { encrypted, decrypted, failed, noKey, malformed, replayed } = counters;
  const bySender = [...counters.bySender].sort(([a], [b]) => a - b).map(([leaf, count]) => ({ leaf, ...count }));
  return { encrypted, decrypted, failed, noKey, malformed, replayed, bySender, encrypt: summarise(counters.encryptMs), decrypt: summarise(counters.decryptMs) };
}

function countSender(senders: Map<number, SenderCounts>, leaf: number, bytes: number): void {
  const known = senders.get(leaf);
  if (known === undefined) senders.set(leaf, { decrypted: 1, minBytes: bytes, maxBytes: bytes });
  else {
    known.decrypted += 1;
    known.minBytes = Math.min(known.minBytes, bytes);
    known.maxBytes = Math.max(known.maxBytes, bytes);
  }
}

/** Runs one frame through the cipher and counts the outcome; never throws. */
export async function processFrame(
  keys: FrameKeyring,
  operation: FrameOperation,
  info: FrameInfo,
  data: Bytes,
  counters: KindCounters,
  now: () => number,
): Promise<FrameOutcome> {
  const started = now();
  let outcome: FrameOutcome;
  try {
    outcome = operation === 'encrypt' ? await encryptMediaFrame(keys, info, data) : await decryptMediaFrame(keys, info, data);
  } catch {
    // WebCrypto failing for a reason of its own: still one dropped frame, not a dead pipeline.
    outcome = { ok: false, reason: 'malformed' };
  }
  const elapsed = now() - started;
  if (outcome.ok) {
    if (operation === 'encrypt') {
      counters.encrypted += 1;
      recordTiming(counters.encryptMs, elapsed);
    } else {
      counters.decrypted += 1;
      if (outcome.sender !== undefined) countSender(counters.bySender, outcome.sender, outcome.data.length);
      recordTiming(counters.decryptMs, elapsed);
    }
    return outcome;
  }
  switch (outcome.reason) {
    case 'no-key':
      counters.noKey += 1;
      break;
    case 'malformed':
      if (operation === 'encrypt') counters.malformed += 1;
      else counters.failed += 1;
      break;
    case 'authentication-failed':
      counters.failed += 1;
      break;
    case 'replayed':
      counters.replayed += 1;
      break;
    default:
      missingCase(outcome.reason);
  }
  return outcome;
}

function missingCase(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
