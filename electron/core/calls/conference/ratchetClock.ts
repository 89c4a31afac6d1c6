import { KEY_ROTATION_PERIOD_MS, nextRatchetAt, ratchetStepAt } from './keySchedule';

/** Time for the clock, injected so tests move it by hand. `setTimer` returns its cancel function. */
export type TimerPort = Readonly<{ now: () => number; setTimer: (delayMs: number, run: () => void) => () => void }>;

/**
 * Says which ratchet step of the current epoch is due, at every step boundary of the schedule
 * (keySchedule.ts: step n at `epochStartedAt + n × period`, server clock). The caller moves the
 * frame worker on to that step (`FrameKeyring.ratchet()` once per step it is behind), so a
 * machine that slept catches up in one go and a new epoch starts again at step 0. It never goes
 * back: a step is reported at most once per epoch, in increasing order.
 */
export class RatchetClock {
  #cancel: (() => void) | undefined;
  #epoch: number | undefined;
  #lastStep = -1;

  constructor(
    private readonly timers: TimerPort,
    private readonly onStep: (epoch: number, step: number) => void,
    private readonly periodMs = KEY_ROTATION_PERIOD_MS,
  ) {}

  /** Follows a new epoch (from its key's `epochStartedAt`); reports the step due now, then each next one. */
  start(epoch: number, epochStartedAt: number): void {
    this.stop();
    this.#epoch = epoch;
    this.#lastStep = -1;
    this.#tick(epochStartedAt);
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#epoch = undefined;
  }

  #tick(epochStartedAt: number): void {
    const epoch = this.#epoch;
    if (epoch === undefined) return;
    const now = this.timers.now();
    const step = ratchetStepAt(epochStartedAt, now, this.periodMs);
    if (step > this.#lastStep) {
      this.#lastStep = step;
      this.onStep(epoch, step);
    }
    // onStep may have started another epoch or stopped the clock.
    if (this.#epoch !== epoch) return;
    this.#cancel = this.timers.setTimer(Math.max(0, nextRatchetAt(epochStartedAt, now, this.periodMs) - now), () => this.#tick(epochStartedAt));
  }
}
