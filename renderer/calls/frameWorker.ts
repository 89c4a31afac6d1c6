/**
 * The frame-encryption worker behind every RTCRtpScriptTransform of a call: one worker per call,
 * so audio and video of this sender share one key and one counter (a nonce is never reused).
 * Outgoing frames are SFrame-encrypted, incoming ones decrypted; a frame without a valid key is
 * dropped, never passed on (fail closed). The page sends keys and asks for counters through
 * the messages of frameMessages.ts.
 *
 * Loaded by Vite as its own file (`new Worker(new URL('./frameWorker.ts', import.meta.url))`), so
 * the renderer's CSP needs only `worker-src 'self'`.
 *
 * Typed against the DOM lib the renderer compiles with; the worker-only parts (the
 * `rtctransform` event, encoded frames) are checked at run time instead of asserted.
 */
import type { FrameInfo, KindCounters, MediaKind } from './frameCipher';
import { emptyCounters, kindStats, processFrame } from './frameCipher';
import { FrameKeyring } from './frameKeys';
import type { TransformOptions, WorkerToPage } from './frameMessages';
import { pageToWorkerSchema, transformOptionsSchema } from './frameMessages';

interface EncodedFrame {
  data: ArrayBuffer;
  readonly type?: unknown;
  getMetadata(): unknown;
}

interface ScriptTransformer {
  readonly readable: ReadableStream<unknown>;
  readonly writable: WritableStream<unknown>;
  readonly options: unknown;
  readonly sendKeyFrameRequest: (() => Promise<void>) | undefined;
}

const now = (): number => performance.now();
const keys = new FrameKeyring(now);
const counters: Record<MediaKind, KindCounters> = { audio: emptyCounters(), video: emptyCounters() };
/** Video receivers, asked for a key frame when a new key arrives (the decoder may have been starved). */
const videoReceivers = new Set<ScriptTransformer>();

function isEncodedFrame(value: unknown): value is EncodedFrame {
  return typeof value === 'object' && value !== null && 'data' in value && value.data instanceof ArrayBuffer && 'getMetadata' in value && typeof value.getMetadata === 'function';
}

function frameInfo(kind: MediaKind, frame: EncodedFrame): FrameInfo {
  const type = frame.type;
  const videoType = type === 'key' || type === 'delta' || type === 'empty' ? type : undefined;
  const metadata: unknown = frame.getMetadata();
  const mime = typeof metadata === 'object' && metadata !== null && 'mimeType' in metadata ? metadata.mimeType : undefined;
  return { kind, videoType: kind === 'video' ? videoType : undefined, mimeType: typeof mime === 'string' ? mime : undefined };
}

function asTransformer(value: unknown): ScriptTransformer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const readable: unknown = Reflect.get(value, 'readable');
  const writable: unknown = Reflect.get(value, 'writable');
  if (!(readable instanceof ReadableStream) || !(writable instanceof WritableStream)) return undefined;
  const request: unknown = Reflect.get(value, 'sendKeyFrameRequest');
  return {
    readable,
    writable,
    options: Reflect.get(value, 'options'),
    sendKeyFrameRequest: typeof request === 'function' ? () => Promise.resolve(Reflect.apply(request, value, [])) : undefined,
  };
}

function transformStream({ operation, kind }: TransformOptions): TransformStream<unknown, unknown> {
  return new TransformStream<unknown, unknown>({
    // The stream awaits each call before the next frame: order and counters stay sequential.
    async transform(chunk, controller) {
      if (!isEncodedFrame(chunk)) {
        counters[kind].failed += 1;
        return;
      }
      const outcome = await processFrame(keys, operation, frameInfo(kind, chunk), new Uint8Array(chunk.data), counters[kind], now);
      if (!outcome.ok) return;
      chunk.data = outcome.data.buffer;
      controller.enqueue(chunk);
    },
  });
}

function attach(transformer: ScriptTransformer): void {
  const options = transformOptionsSchema.safeParse(transformer.options);
  if (!options.success) {
    // Options we do not understand: swallow every frame rather than pass any through unencrypted.
    void transformer.readable.pipeTo(new WritableStream()).catch(() => undefined);
    return;
  }
  if (options.data.operation === 'decrypt' && options.data.kind === 'video') videoReceivers.add(transformer);
  transformer.readable
    .pipeThrough(transformStream(options.data))
    .pipeTo(transformer.writable)
    .catch(() => undefined)
    .finally(() => videoReceivers.delete(transformer));
}

self.addEventListener('rtctransform', (event: Event) => {
  const transformer = asTransformer(Reflect.get(event, 'transformer'));
  if (transformer !== undefined) attach(transformer);
});

function reply(message: WorkerToPage): void {
  self.postMessage(message);
}

/**
 * Encrypt+decrypt cost of synthetic VP8 delta frames of `bytes`, with keys of their own (the
 * call's counters stay untouched). Besides the per-frame counters it times each whole pass,
 * since a worker's clock is coarsened to 0.1 ms (no cross-origin isolation).
 */
async function measure(bytes: number, frames: number): Promise<{ counters: KindCounters; batch: { encryptMs: number; decryptMs: number } }> {
  const sender = new FrameKeyring(now);
  const receiver = new FrameKeyring(now);
  const base = crypto.getRandomValues(new Uint8Array(32));
  sender.install({ epoch: 0, baseKey: base, selfLeaf: 0 });
  receiver.install({ epoch: 0, baseKey: base, selfLeaf: 1 });
  const info: FrameInfo = { kind: 'video', videoType: 'delta', mimeType: 'video/VP8' };
  const plain = new Uint8Array(bytes);
  crypto.getRandomValues(plain.subarray(0, Math.min(bytes, 65_536)));
  const sent = emptyCounters();
  const received = emptyCounters();
  const sealed: Uint8Array<ArrayBuffer>[] = [];
  const encryptStart = now();
  for (let i = 0; i < frames; i++) {
    const out = await processFrame(sender, 'encrypt', info, plain, sent, now);
    if (out.ok) sealed.push(out.data);
  }
  const decryptStart = now();
  for (const frame of sealed) await processFrame(receiver, 'decrypt', info, frame, received, now);
  const end = now();
  sender.close();
  receiver.close();
  return {
    counters: { ...received, encrypted: sent.encrypted, encryptMs: sent.encryptMs, malformed: sent.malformed, noKey: sent.noKey + received.noKey },
    batch: { encryptMs: (decryptStart - encryptStart) / frames, decryptMs: (end - decryptStart) / Math.max(1, sealed.length) },
  };
}

self.addEventListener('message', (event: MessageEvent) => {
  const parsed = pageToWorkerSchema.safeParse(event.data);
  if (!parsed.success) {
    reply({ type: 'rejected', code: 'invalid-message' });
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'key': {
      const installed = keys.install({ epoch: message.epoch, baseKey: new Uint8Array(message.baseKey), selfLeaf: message.selfLeaf });
      if (!installed.ok) {
        reply({ type: 'rejected', code: installed.error });
        return;
      }
      for (const receiver of videoReceivers) void receiver.sendKeyFrameRequest?.().catch(() => undefined);
      return;
    }
    case 'ratchet':
      if (message.step === undefined) void keys.ratchet();
      else void keys.ratchetTo(message.step);
      return;
    case 'stats':
      reply({ type: 'stats', id: message.id, stats: { audio: kindStats(counters.audio), video: kindStats(counters.video) } });
      return;
    case 'measure':
      void measure(message.bytes, message.frames).then((result) => reply({ type: 'measured', id: message.id, stats: kindStats(result.counters), batch: result.batch }));
      return;
    case 'close':
      keys.close();
      return;
    default:
      missingCase(message);
  }
});

function missingCase(value: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}
