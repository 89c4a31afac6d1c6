/**
 * The key schedule of a conference call (seed 001 "Encryption Key Rotation", on MLS as issue 14
 * asks), as pure functions over plain data so the rules are unit-tested apart from the network.
 *
 * - One device generates keys: the one at the lowest leaf index of the call group among those
 *   still taking part (seed 001 "we designate one client to generate the keys"). With MLS it
 *   sends no key: it commits, and the commit's epoch gives everyone the same fresh base key
 *   (MLS-Exporter, RFC 9605 §5.2, callKeys.ts). Its one duty is to commit the removal of whoever
 *   left, so that they cannot read what follows (post-compromise security).
 * - Every `periodMs` (30 s, seed 001) within an epoch the key moves one ratchet step: step n+1
 *   is RFC 9605 §5.1's ratchet of step n, derived with no message by every member (forward
 *   secrecy: a step's key cannot be computed back from the next). This is the frame worker's
 *   "step" (renderer/calls/frameKeys.ts, `FrameKeyring.ratchet`, KID bits 16 and up): step n of an
 *   epoch is due `n * periodMs` after the epoch began on the server's clock (`epochStartedAt`),
 *   so all members move at the same known times; a receiver derives a sender's step itself (up to
 *   16 ahead), so clocks a few seconds apart lose no frame.
 * - A joiner gets no key of the time before it joined: it joins by external commit, whose new
 *   epoch is the first it can export (RFC 9420 §8: earlier epochs' secrets are not derivable from
 *   later ones).
 */

/** Seed 001: "Every 30s a new key is used for media encryption." */
export const KEY_ROTATION_PERIOD_MS = 30_000;
/** A participant that has sent nothing for this long (no media, no signalling) counts as gone. */
export const SILENCE_LIMIT_MS = 20_000;

/** A device in the call group as this device sees it. */
export type CallPeer = Readonly<{
  leafIndex: number;
  /** It said it left (a leave notice from the server, or its own signalling). */
  saidLeft: boolean;
  /** The SFU reported its feed gone. */
  goneFromSfu: boolean;
  /** When it was last heard from (media or signalling), or when it joined; undefined when unknown (never counted as silent). */
  lastHeardAt: number | undefined;
}>;

function departing(peer: CallPeer, now: number, silenceLimitMs: number): boolean {
  return peer.saidLeft || peer.goneFromSfu || (peer.lastHeardAt !== undefined && now - peer.lastHeardAt > silenceLimitMs);
}

/**
 * The leaf of the key generator: the lowest leaf index among devices that are not leaving. A key
 * generator that leaves hands the job to the next lowest leaf at once, so a departure never waits
 * for the departing device to act. Undefined for an empty call.
 */
export function keyGenerator(peers: readonly CallPeer[], now: number, silenceLimitMs = SILENCE_LIMIT_MS): number | undefined {
  let lowest: number | undefined;
  for (const peer of peers) {
    if (departing(peer, now, silenceLimitMs)) continue;
    if (lowest === undefined || peer.leafIndex < lowest) lowest = peer.leafIndex;
  }
  return lowest;
}

/**
 * The leaves this device must remove now: none unless it is the key generator (`selfLeaf`); then
 * every other device that said it left, that the SFU reported gone, or that stopped answering.
 * `peers` includes this device.
 */
export function removalsDue(selfLeaf: number, peers: readonly CallPeer[], now: number, silenceLimitMs = SILENCE_LIMIT_MS): readonly number[] {
  if (keyGenerator(peers, now, silenceLimitMs) !== selfLeaf) return [];
  return peers
    .filter((peer) => peer.leafIndex !== selfLeaf && departing(peer, now, silenceLimitMs))
    .map((peer) => peer.leafIndex)
    .sort((a, b) => a - b);
}

/** The ratchet step due at `now` in an epoch that began at `epochStartedAt` (0 before it began). */
export function ratchetStepAt(epochStartedAt: number, now: number, periodMs = KEY_ROTATION_PERIOD_MS): number {
  if (!(periodMs > 0)) throw new RangeError('the rotation period must be positive');
  return Math.max(0, Math.floor((now - epochStartedAt) / periodMs));
}

/** When the step after the one due at `now` begins. */
export function nextRatchetAt(epochStartedAt: number, now: number, periodMs = KEY_ROTATION_PERIOD_MS): number {
  return epochStartedAt + (ratchetStepAt(epochStartedAt, now, periodMs) + 1) * periodMs;
}
