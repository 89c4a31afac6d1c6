/**
 * Replay protection for received frames (RFC 9605 §7.5 lets receivers keep a window): a conference
 * SFU terminates SRTP, so SRTP's own replay check does not stop it from sending a recorded frame
 * again; this window does, per sender key. A counter is remembered only after its frame
 * authenticated, so forged frames cannot fill the window.
 *
 * One sender's audio and video share the counter, and a video frame may reach the worker long
 * after later audio frames (retransmission, frame assembly), hence a wide window: 1024 counters
 * are about 12 s of a sender's 50 audio + 30 video frames a second.
 */
export const REPLAY_WINDOW = 1024;

export type ReplayVerdict = 'fresh' | 'replayed' | 'too-old';

export class ReplayWindow {
  /** Slot `ctr % REPLAY_WINDOW` holds `ctr + 1` of the last counter seen there (0: empty). */
  readonly #slots = new BigInt64Array(REPLAY_WINDOW);
  #highest: bigint | undefined;

  check(ctr: bigint): ReplayVerdict {
    if (this.#highest !== undefined && ctr + BigInt(REPLAY_WINDOW) <= this.#highest) return 'too-old';
    return this.#slots[Number(ctr % BigInt(REPLAY_WINDOW))] === BigInt.asIntN(64, ctr + 1n) ? 'replayed' : 'fresh';
  }

  /** Records an authenticated frame's counter. */
  accept(ctr: bigint): void {
    this.#slots[Number(ctr % BigInt(REPLAY_WINDOW))] = BigInt.asIntN(64, ctr + 1n);
    if (this.#highest === undefined || ctr > this.#highest) this.#highest = ctr;
  }
}
