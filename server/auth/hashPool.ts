import { scrypt } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import sodium from 'libsodium-wrappers-sumo';
import { addressKey } from './loginThrottle';

/**
 * The CPU-heavy primitives a password check needs. The stored formats (seed 002's scrypt string,
 * libsodium's `$argon2id$…`) are read and written in password.ts; a job is only the computation.
 */
export type HashJob =
  | Readonly<{ kind: 'scrypt'; password: string; salt: Buffer; logN: number; r: number; p: number; keyBytes: number }>
  | Readonly<{ kind: 'argon2id-hash'; password: string }>
  | Readonly<{ kind: 'argon2id-verify'; password: string; stored: string }>;

/**
 * A job's answer. `busy`: the pool's queue is full, everyone is asked to come back later (503).
 * `address-busy`: this client address already holds its share of the queue (429), so one address
 * cannot fill the queue and lock out everybody else.
 */
export type HashOutcome<T> =
  | Readonly<{ kind: 'done'; value: T }>
  | Readonly<{ kind: 'busy'; retryAfterMs: number }>
  | Readonly<{ kind: 'address-busy'; retryAfterMs: number }>;

/** What operators see of the pool (`GET /metrics`). */
export type HashPoolStats = Readonly<{ workers: number; running: number; queued: number; completed: number; refused: number }>;

export type HashPoolOptions = Readonly<{
  /** Worker threads; 0 runs every job in this process the way the server did before the pool (bench baseline only). */
  workers: number;
  /** Jobs waiting for a worker beyond which new jobs are refused with `busy`. */
  maxQueued: number;
  /** Jobs one client address may have waiting or running at once. */
  maxPerAddress: number;
}>;

/**
 * Threads for hashing: one core is left to the event loop (TLS, routing, SQLite, fan-out), the
 * rest hash. On this project's 2-core machines that is one worker. Measured here: 100 scrypt
 * hashes on libuv's default pool of 4 threads compete 5 ways for 2 cores with the event loop,
 * and every fs call (uploads, the outbox mailer) waits behind them in the same pool.
 */
export function defaultHashWorkers(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/**
 * Default limits: a hash takes ≈45 ms here (scrypt N = 2^14), so 32 queued per worker is ≈1.5 s
 * of waiting at most before the answer is a plain 503 with `Retry-After`; a quarter of the queue
 * per address leaves room for a whole office behind one NAT address without letting it starve
 * the rest.
 */
export function defaultHashPoolOptions(workers = defaultHashWorkers()): HashPoolOptions {
  const maxQueued = 32 * Math.max(1, workers);
  return { workers, maxQueued, maxPerAddress: Math.max(4, Math.floor(maxQueued / 4)) };
}

/*
 * The worker's source, evaluated as CommonJS (no TypeScript loader is needed, so it runs the same
 * under tsx, vitest and a bundle). Synchronous scrypt inside the worker: the worker thread is the
 * parallelism, libuv's shared pool stays free for file I/O. libsodium is loaded on the first
 * argon2id job only (its WASM heap costs memory).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
// Linux: this thread only runs at a lower priority (its id from /proc/thread-self), so when
// cores are contended the scheduler prefers the event loop. Relative to the thread's own nice
// value, so a server that was itself started under nice still hashes below its event loop.
// Lowering is always allowed.
try {
  const os = require('node:os');
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (tid > 0) os.setPriority(tid, Math.min(19, os.getPriority(tid) + workerData.nice));
} catch {}
let sodium;
async function run(job) {
  switch (job.kind) {
    case 'scrypt':
      return scryptSync(job.password, Buffer.from(job.salt), job.keyBytes, { N: 2 ** job.logN, r: job.r, p: job.p, maxmem: 256 * 2 ** job.logN * job.r });
    case 'argon2id-hash':
    case 'argon2id-verify':
      sodium ??= require(workerData.sodiumPath);
      await sodium.ready;
      return job.kind === 'argon2id-hash'
        ? sodium.crypto_pwhash_str(job.password, sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE)
        : sodium.crypto_pwhash_str_verify(job.stored, job.password);
    default:
      throw new Error('unknown job ' + job.kind);
  }
}
parentPort.on('message', ({ id, job }) => {
  run(job).then(
    (value) => parentPort.postMessage({ id, ok: true, value }),
    (error) => parentPort.postMessage({ id, ok: false, message: String(error && error.message || error) }),
  );
});`;

type Pending = {
  readonly id: number;
  readonly job: HashJob;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  started: number;
};

type Slot = { worker: Worker; current: Pending | undefined; alive: boolean; born: number };

/**
 * How many nice steps below the process the hashing threads run (Linux; 19 is the lowest): under
 * contention the event loop gets about three times their share of a core (CFS weights 1024 vs
 * 335), so sign-ins wait for the others rather than the other way round.
 */
const HASH_THREAD_NICE = 5;

/** A thread that dies younger than this is restarted only after this long. */
const RESPAWN_AFTER_MS = 1000;

/** Smoothing of the job-duration estimate behind `Retry-After`. */
const DURATION_WEIGHT = 0.2;

/**
 * A fixed pool of hashing threads with a bounded queue: under a burst of sign-ins the event loop
 * keeps answering everyone else, and sign-ins beyond what the machine can hash in a second or
 * two are told plainly to come back (`Retry-After`) instead of piling up.
 */
export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly perAddress = new Map<string, number>();
  private nextId = 1;
  private averageMs = 50;
  private completed = 0;
  private refused = 0;
  private closed = false;

  constructor(private readonly options: HashPoolOptions) {
    for (let index = 0; index < options.workers; index += 1) this.slots.push(this.spawn());
  }

  /** scrypt of `password` (already NFC-normalised) with seed 002's parameters as stored. */
  scrypt(job: Omit<Extract<HashJob, { kind: 'scrypt' }>, 'kind'>, address?: string): Promise<HashOutcome<Buffer>> {
    return this.run({ kind: 'scrypt', ...job }, address, (value) => (value instanceof Uint8Array ? Buffer.from(value) : undefined));
  }

  /** A new libsodium `$argon2id$…` string (interactive limits). */
  argon2idHash(password: string, address?: string): Promise<HashOutcome<string>> {
    return this.run({ kind: 'argon2id-hash', password }, address, (value) => (typeof value === 'string' ? value : undefined));
  }

  argon2idVerify(password: string, stored: string, address?: string): Promise<HashOutcome<boolean>> {
    return this.run({ kind: 'argon2id-verify', password, stored }, address, (value) => (typeof value === 'boolean' ? value : undefined));
  }

  /**
   * Whether a job from `address` would be refused now. Routes that spend something single-use
   * before hashing (an activation or reset code) ask first, so a full queue does not cost the
   * user their code.
   */
  refusal(address?: string): Exclude<HashOutcome<never>, { kind: 'done' }> | undefined {
    if (this.options.workers === 0) return undefined;
    if (this.queue.length >= this.options.maxQueued) return { kind: 'busy', retryAfterMs: this.estimatedWaitMs() };
    const key = address === undefined ? undefined : addressKey(address);
    if (key !== undefined && (this.perAddress.get(key) ?? 0) >= this.options.maxPerAddress) return { kind: 'address-busy', retryAfterMs: this.estimatedWaitMs() };
    return undefined;
  }

  stats(): HashPoolStats {
    return {
      workers: this.options.workers,
      running: this.slots.filter((slot) => slot.current !== undefined).length,
      queued: this.queue.length,
      completed: this.completed,
      refused: this.refused,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the server is shutting down'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /**
   * Runs `job`, or refuses it at once when the queue is full (`busy`) or `address` (the client's
   * IP, grouped as the login throttle does) already has its share waiting or running
   * (`address-busy`). `read` checks the answer's type.
   */
  private async run<T>(job: HashJob, address: string | undefined, read: (value: unknown) => T | undefined): Promise<HashOutcome<T>> {
    if (this.closed) throw new Error('the hash pool is closed');
    const refusal = this.refusal(address);
    if (refusal !== undefined) {
      this.refused += 1;
      return refusal;
    }
    const key = address === undefined ? undefined : addressKey(address);
    if (key !== undefined) this.perAddress.set(key, (this.perAddress.get(key) ?? 0) + 1);
    try {
      const value = read(this.options.workers > 0 ? await this.enqueue(job) : await runInProcess(job));
      if (value === undefined) throw new Error(`password hashing answered a ${job.kind} job with the wrong type`);
      this.completed += 1;
      return { kind: 'done', value };
    } finally {
      if (key !== undefined) {
        const left = (this.perAddress.get(key) ?? 1) - 1;
        if (left > 0) this.perAddress.set(key, left);
        else this.perAddress.delete(key);
      }
    }
  }

  /** How long a job queued now would wait, from the running average: the `Retry-After`. */
  private estimatedWaitMs(): number {
    return Math.ceil(((this.queue.length / Math.max(1, this.options.workers)) + 1) * this.averageMs);
  }

  private enqueue(job: HashJob): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject, started: 0 });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current !== undefined || !slot.alive) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      next.started = performance.now();
      slot.current = next;
      slot.worker.postMessage({ id: next.id, job: next.job });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodiumPath: sodiumPath(), nice: HASH_THREAD_NICE } });
    // Idle workers must not keep a finished test or tool alive; `close` ends them in a server.
    worker.unref();
    const slot: Slot = { worker, current: undefined, alive: true, born: performance.now() };
    worker.on('message', (message: unknown) => this.answer(slot, message));
    worker.once('exit', () => this.replace(slot));
    worker.on('error', () => undefined);
    return slot;
  }

  private answer(slot: Slot, message: unknown): void {
    const pending = slot.current;
    slot.current = undefined;
    if (pending !== undefined && isAnswer(message) && message.id === pending.id) {
      const elapsed = performance.now() - pending.started;
      this.averageMs = this.averageMs * (1 - DURATION_WEIGHT) + elapsed * DURATION_WEIGHT;
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new Error(`password hashing failed: ${message.message}`));
    }
    this.dispatch();
  }

  /**
   * A worker that died (out of memory, a crash) fails its job and is replaced, unless closing; one
   * that died within a second of starting is replaced a second later, so a thread that cannot
   * start does not become a busy loop of restarts.
   */
  private replace(slot: Slot): void {
    slot.alive = false;
    const pending = slot.current;
    slot.current = undefined;
    pending?.reject(new Error('the password hashing thread stopped'));
    if (this.closed) return;
    const respawn = (): void => {
      const index = this.slots.indexOf(slot);
      if (this.closed || index < 0) return;
      this.slots[index] = this.spawn();
      this.dispatch();
    };
    if (performance.now() - slot.born < RESPAWN_AFTER_MS) setTimeout(respawn, RESPAWN_AFTER_MS).unref();
    else respawn();
  }
}

type Answer = Readonly<{ id: number; ok: true; value: unknown }> | Readonly<{ id: number; ok: false; message: string }>;

function isAnswer(message: unknown): message is Answer {
  return typeof message === 'object' && message !== null && 'id' in message && 'ok' in message && typeof message.id === 'number';
}

function sodiumPath(): string {
  return createRequire(import.meta.url).resolve('libsodium-wrappers-sumo');
}

/**
 * The path before the pool: scrypt on libuv's shared thread pool, argon2id in WASM on the event
 * loop. Kept only as the baseline that `npm run bench serverScale` measures the pool against.
 */
async function runInProcess(job: HashJob): Promise<unknown> {
  switch (job.kind) {
    case 'scrypt':
      return new Promise<Buffer>((resolve, reject) => {
        scrypt(job.password, job.salt, job.keyBytes, { N: 2 ** job.logN, r: job.r, p: job.p, maxmem: 256 * 2 ** job.logN * job.r }, (error, key) =>
          error ? reject(error) : resolve(key),
        );
      });
    case 'argon2id-hash':
      await sodium.ready;
      return sodium.crypto_pwhash_str(job.password, sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE);
    case 'argon2id-verify':
      await sodium.ready;
      return sodium.crypto_pwhash_str_verify(job.stored, job.password);
  }
}
