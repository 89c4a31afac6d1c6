/**
 * The page side of frame encryption, shared by 1:1 calls and conferences: starts one frame
 * worker per call, puts its RTCRtpScriptTransform on every sender and receiver, forwards the
 * keys the core derives from MLS, and reads the worker's counters.
 *
 * Order matters (measured, shared/reference/feas-calls): a receiver's transform must be set
 * before the description that creates its track is applied, or the first frames bypass it;
 * `protectTransceiver` right after addTrack/addTransceiver, and `protectReceiver` in `ontrack`
 * for transceivers the remote side created, do that.
 */
import type { FrameStats, MediaKind } from './frameCipher';
import type { Measured, PageToWorker, TransformOptions } from './frameMessages';
import { workerToPageSchema } from './frameMessages';
import type { FrameKeyInput } from './frameKeyInput';

export type { FrameKeyInput } from './frameKeyInput';

/**
 * Why the worker refused something: a message it could not read, a bad key, a key of an older
 * epoch; or 'worker-failed' when the worker itself stopped (its transforms then pass no frame,
 * so the call has no media and should end with a plain error).
 */
export type FrameCryptoRejection = 'invalid-message' | 'invalid-key' | 'stale-epoch' | 'worker-failed';

/** True when this browser can run frame encryption; calls must not start without it (no clear media). */
export function isFrameEncryptionSupported(): boolean {
  return typeof RTCRtpScriptTransform === 'function' && 'transform' in RTCRtpSender.prototype;
}

/**
 * Puts VP8 (and its retransmission codec) first for a video transceiver: the worker leaves the
 * VP8 payload header in clear, and the other codecs' headers differ.
 */
export function preferVp8(transceiver: RTCRtpTransceiver): void {
  const codecs = RTCRtpReceiver.getCapabilities('video')?.codecs ?? [];
  const vp8 = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/vp8');
  const rtx = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/rtx');
  if (vp8.length > 0) transceiver.setCodecPreferences([...vp8, ...rtx]);
}

function kindOf(value: string | undefined): MediaKind | undefined {
  return value === 'audio' || value === 'video' ? value : undefined;
}

export class FrameCrypto {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (value: unknown) => void>();
  readonly #rejections: ((code: FrameCryptoRejection) => void)[] = [];
  #nextId = 1;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.addEventListener('message', (event: MessageEvent) => this.#receive(event.data));
    worker.addEventListener('error', () => this.#reject('worker-failed'));
    worker.addEventListener('messageerror', () => this.#reject('invalid-message'));
  }

  /** Starts the worker of one call. */
  static start(): FrameCrypto {
    return new FrameCrypto(new Worker(new URL('./frameWorker.ts', import.meta.url), { type: 'module', name: 'cairn-frame-crypto' }));
  }

  /** Calls `listener` with the code of every message the worker refused (a key of an older epoch, a bad key). */
  onRejected(listener: (code: FrameCryptoRejection) => void): void {
    this.#rejections.push(listener);
  }

  protectSender(sender: RTCRtpSender, kind: MediaKind): void {
    this.#attach(sender, { operation: 'encrypt', kind });
  }

  protectReceiver(receiver: RTCRtpReceiver, kind: MediaKind = kindOf(receiver.track.kind) ?? 'video'): void {
    this.#attach(receiver, { operation: 'decrypt', kind });
  }

  /** Both directions of a transceiver, before negotiation; video is pinned to VP8. */
  protectTransceiver(transceiver: RTCRtpTransceiver, kind: MediaKind): void {
    this.protectSender(transceiver.sender, kind);
    this.protectReceiver(transceiver.receiver, kind);
    if (kind === 'video') preferVp8(transceiver);
  }

  /** Hands over the base key of an epoch; the key bytes are copied, the caller may wipe its own. */
  setKey(input: FrameKeyInput): void {
    const copy = input.baseKey.slice(0);
    this.#post({ type: 'key', epoch: input.epoch, baseKey: copy, selfLeaf: input.selfLeaf }, [copy]);
  }

  /** Moves this sender one ratchet step on, or to `step` of its epoch (conference key rotation: the core says which step is due). */
  ratchet(step?: number): void {
    this.#post(step === undefined ? { type: 'ratchet' } : { type: 'ratchet', step });
  }

  async stats(): Promise<FrameStats> {
    const id = this.#nextId++;
    const answer = await this.#request(id, { type: 'stats', id });
    const parsed = workerToPageSchema.safeParse(answer);
    if (!parsed.success || parsed.data.type !== 'stats') throw new Error('frame worker answered stats with something else');
    return parsed.data.stats;
  }

  /** Encrypt+decrypt cost per synthetic frame of `bytes` inside the worker (bench only). */
  async measure(bytes: number, frames: number): Promise<Measured> {
    const id = this.#nextId++;
    const answer = await this.#request(id, { type: 'measure', id, bytes, frames });
    const parsed = workerToPageSchema.safeParse(answer);
    if (!parsed.success || parsed.data.type !== 'measured') throw new Error('frame worker answered measure with something else');
    return { stats: parsed.data.stats, batch: parsed.data.batch };
  }

  /** Ends the call's frame encryption: the worker forgets its keys and stops; frames still queued are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#post({ type: 'close' });
    this.#closed = true;
    this.#worker.terminate();
    for (const resolve of this.#pending.values()) resolve(undefined);
    this.#pending.clear();
  }

  #attach(endpoint: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void {
    if (this.#closed) throw new Error('frame encryption of this call is closed');
    endpoint.transform = new RTCRtpScriptTransform(this.#worker, options);
  }

  #post(message: PageToWorker, transfer: Transferable[] = []): void {
    if (!this.#closed) this.#worker.postMessage(message, transfer);
  }

  #request(id: number, message: PageToWorker): Promise<unknown> {
    return new Promise((resolve) => {
      if (this.#closed) {
        resolve(undefined);
        return;
      }
      this.#pending.set(id, resolve);
      this.#post(message);
    });
  }

  #reject(code: FrameCryptoRejection): void {
    for (const listener of this.#rejections) listener(code);
  }

  #receive(data: unknown): void {
    const parsed = workerToPageSchema.safeParse(data);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'rejected') {
      this.#reject(message.code);
      return;
    }
    const resolve = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    resolve?.(data);
  }
}
