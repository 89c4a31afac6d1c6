/**
 * The frame worker's keys: the base key of the current MLS epoch (and of the previous one for a
 * short grace period), the §5.1 ratchet chain of each, and the per-sender SFrame keys derived
 * from them on demand. Pure (WebCrypto only), so the unit tests run it in Node.
 *
 * The core derives `baseKey` from the MLS exporter (label "SFrame 1.0 Base Key", context = the
 * call id, RFC 9605 §5.2) and hands over only that: the worker never sees MLS state.
 */
import { ReplayWindow } from './replayWindow';
import type { Bytes, SframeKey } from './sframe';
import { EPOCH_LOW_MASK, KEY_BYTES, LEAF_LIMIT, importSframeKey, makeKid, ratchetBaseKey, splitKid } from './sframe';

/** How long frames of the previous epoch still decrypt after a new key arrives: in-flight frames of a peer that switched later. */
export const EPOCH_GRACE_MS = 3000;
/** How many ratchet steps ahead of the newest known step a receiver derives on its own (bounds work per forged KID). */
export const MAX_STEPS_AHEAD = 16;

export interface EpochKeyInput {
  readonly epoch: number;
  readonly baseKey: Bytes;
  readonly selfLeaf: number;
}

export type KeyInstallResult = { readonly ok: true } | { readonly ok: false; readonly error: 'invalid-key' | 'stale-epoch' };

interface EpochChain {
  readonly epoch: number;
  /** Ratchet chain: step -> base key of that step. Steps below `lowestStep` are erased (forward secrecy). */
  readonly steps: Map<number, Bytes>;
  lowestStep: number;
  highestStep: number;
  /** Set when a newer epoch arrives; the chain is forgotten at this time. */
  retireAt: number | undefined;
}

export interface SendKey {
  readonly key: SframeKey;
  /** The CTR to use for this frame; never repeats for this key within this keyring. */
  readonly ctr: bigint;
}

/** A random 40-bit start, so a worker restarted with the same key does not reuse a nonce (issue 14). */
function randomCounterStart(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export class FrameKeyring {
  readonly #chains = new Map<number, EpochChain>();
  readonly #derived = new Map<bigint, Promise<SframeKey | undefined>>();
  readonly #replay = new Map<bigint, ReplayWindow>();
  /** Step-0 base key per epoch as installed, to recognise a repeated install (the chain's copy is erased by ratcheting). */
  readonly #originalBase = new Map<number, Bytes>();
  #self: { epoch: number; leaf: number; step: number } | undefined;
  #sendCtr = 0n;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Installs the base key of an epoch; the previous current epoch keeps decrypting for EPOCH_GRACE_MS. */
  install(input: EpochKeyInput): KeyInstallResult {
    const { epoch, baseKey, selfLeaf } = input;
    if (baseKey.length !== KEY_BYTES || !Number.isSafeInteger(epoch) || epoch < 0 || !Number.isInteger(selfLeaf) || selfLeaf < 0 || selfLeaf >= LEAF_LIMIT) {
      return { ok: false, error: 'invalid-key' };
    }
    if (this.#self !== undefined && epoch < this.#self.epoch) return { ok: false, error: 'stale-epoch' };
    const now = this.#now();
    const low = epoch & EPOCH_LOW_MASK;
    // The same key again (an IPC message repeated) changes nothing: re-installing would drop the replay windows.
    const current = this.#chains.get(low);
    if (current?.epoch === epoch && this.#self?.epoch === epoch && this.#self.leaf === selfLeaf && sameBytes(this.#originalBase.get(low), baseKey)) return { ok: true };
    for (const [otherLow, chain] of this.#chains) {
      if (otherLow === low) continue;
      // Only the epoch right before the new one is kept, and only for the grace period.
      if (this.#self !== undefined && chain.epoch === this.#self.epoch && chain.epoch !== epoch) chain.retireAt ??= now + EPOCH_GRACE_MS;
      else this.#forgetChain(otherLow);
    }
    this.#forgetChain(low);
    this.#chains.set(low, { epoch, steps: new Map([[0, baseKey.slice()]]), lowestStep: 0, highestStep: 0, retireAt: undefined });
    this.#originalBase.set(low, baseKey.slice());
    this.#self = { epoch, leaf: selfLeaf, step: 0 };
    this.#sendCtr = randomCounterStart();
    // Derive the own key now rather than on the first frame, which would wait for HKDF and importKey.
    void this.keyFor(makeKid({ step: 0, leaf: selfLeaf, epochLow: low }));
    return { ok: true };
  }

  /** Moves this sender one ratchet step on (conferences: every 30 s, no message); older steps are erased. */
  async ratchet(): Promise<boolean> {
    const self = this.#self;
    if (self === undefined) return false;
    const next = self.step + 1;
    const base = await this.#baseKeyAt(self.epoch & EPOCH_LOW_MASK, next, true);
    if (base === undefined) return false;
    this.#self = { ...self, step: next };
    this.#sendCtr = randomCounterStart();
    return true;
  }

  /**
   * Moves this sender on to ratchet step `step` of its epoch (conferences: the core says which
   * step is due, so a machine that slept catches up in one go). A step at or behind the current
   * one changes nothing: the ratchet never goes back (forward secrecy).
   */
  async ratchetTo(step: number): Promise<boolean> {
    if (!Number.isSafeInteger(step) || step < 0) return false;
    while (this.#self !== undefined && this.#self.step < step) {
      if (!(await this.ratchet())) return false;
    }
    return this.#self !== undefined;
  }

  /** This sender's ratchet step in its epoch, or undefined without a key (tests and stats). */
  get sendStep(): number | undefined {
    return this.#self?.step;
  }

  /** The key and counter for the next outgoing frame, or undefined when no key is installed (the frame must be dropped). */
  async sendKey(): Promise<SendKey | undefined> {
    const self = this.#self;
    if (self === undefined) return undefined;
    const kid = makeKid({ step: self.step, leaf: self.leaf, epochLow: self.epoch });
    const ctr = this.#sendCtr;
    this.#sendCtr += 1n;
    const key = await this.keyFor(kid);
    return key === undefined ? undefined : { key, ctr };
  }

  /** The key a received frame names, or undefined when its epoch is unknown or retired or its step out of reach. */
  keyFor(kid: bigint): Promise<SframeKey | undefined> {
    this.#expire();
    const known = this.#derived.get(kid);
    if (known !== undefined) return known;
    const { step, leaf, epochLow } = splitKid(kid);
    if (kid !== makeKid({ step, leaf, epochLow }) || !this.#chains.has(epochLow)) return Promise.resolve(undefined);
    const derived = (async () => {
      const base = await this.#baseKeyAt(epochLow, step, false);
      return base === undefined ? undefined : importSframeKey(kid, base);
    })();
    this.#derived.set(kid, derived);
    // A KID that yields no key is not remembered, so a later install can serve it.
    void derived.then((key) => {
      if (key === undefined && this.#derived.get(kid) === derived) this.#derived.delete(kid);
    });
    return derived;
  }

  /** The replay window of a received KID (kept as long as the KID's key). */
  replayWindow(kid: bigint): ReplayWindow {
    let window = this.#replay.get(kid);
    if (window === undefined) {
      window = new ReplayWindow();
      this.#replay.set(kid, window);
    }
    return window;
  }

  /** Forgets every key (the call ended). */
  close(): void {
    for (const low of [...this.#chains.keys()]) this.#forgetChain(low);
    this.#derived.clear();
    this.#replay.clear();
    this.#self = undefined;
  }

  get hasSendKey(): boolean {
    return this.#self !== undefined;
  }

  async #baseKeyAt(epochLow: number, step: number, advanceLowest: boolean): Promise<Bytes | undefined> {
    const chain = this.#chains.get(epochLow);
    if (chain === undefined || step < chain.lowestStep || step > chain.highestStep + MAX_STEPS_AHEAD) return undefined;
    let current = chain.steps.get(chain.highestStep);
    while (chain.highestStep < step && current !== undefined) {
      current = await ratchetBaseKey(current);
      // Another caller may have moved the chain on while this one waited.
      if (this.#chains.get(epochLow) !== chain) return undefined;
      if (chain.highestStep >= step) break;
      chain.highestStep += 1;
      chain.steps.set(chain.highestStep, current);
    }
    if (advanceLowest) {
      // Keep one step behind the sender's new one for frames still in flight.
      const keep = Math.max(chain.lowestStep, step - 1);
      for (const old of [...chain.steps.keys()]) if (old < keep) chain.steps.delete(old);
      for (const kid of [...this.#derived.keys()]) {
        const parts = splitKid(kid);
        if (parts.epochLow === epochLow && parts.step < keep) this.#derived.delete(kid);
      }
      for (const kid of [...this.#replay.keys()]) {
        const parts = splitKid(kid);
        if (parts.epochLow === epochLow && parts.step < keep) this.#replay.delete(kid);
      }
      chain.lowestStep = keep;
    }
    return chain.steps.get(step);
  }

  #expire(): void {
    const now = this.#now();
    for (const [low, chain] of this.#chains) if (chain.retireAt !== undefined && chain.retireAt <= now) this.#forgetChain(low);
  }

  #forgetChain(low: number): void {
    const chain = this.#chains.get(low);
    if (chain === undefined) return;
    for (const key of chain.steps.values()) key.fill(0);
    this.#originalBase.get(low)?.fill(0);
    this.#originalBase.delete(low);
    this.#chains.delete(low);
    for (const kid of [...this.#derived.keys()]) if (splitKid(kid).epochLow === low) this.#derived.delete(kid);
    for (const kid of [...this.#replay.keys()]) if (splitKid(kid).epochLow === low) this.#replay.delete(kid);
  }
}
