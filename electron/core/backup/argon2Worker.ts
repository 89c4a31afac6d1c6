import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Sodium } from '../vault/sodium';
import { BackupFailure } from './backupErrors';
import type { BackupKdfParams } from './backupKdf';

/**
 * From this much Argon2 memory on, the derivation runs in a short-lived worker thread. libsodium's
 * WASM heap never shrinks (PLATFORM-NOTES "libsodium"): run in the core, seed 002's 128 MiB
 * would stay resident for the rest of the session (+140 MB RSS measured); in a worker it is
 * returned when the worker ends (measured: RSS back to its level before). The worker also keeps
 * the core answering requests during the second the derivation takes, and lets a cancel stop
 * it. Cheap test-only parameters stay in the calling thread (a worker costs ≈0.1 s to start).
 */
export const WORKER_MIN_MEMLIMIT_BYTES = 16 * 1024 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.sodiumPath);
sodium.ready.then(() => {
  const { password, salt, opsLimit, memLimitBytes, keyBytes } = workerData;
  const key = sodium.crypto_pwhash(keyBytes, password, salt, opsLimit, memLimitBytes, sodium.crypto_pwhash_ALG_ARGON2I13);
  parentPort.postMessage(key);
  sodium.memzero(key);
  sodium.memzero(password);
});`;

/**
 * Argon2i (`ALG_ARGON2I13`) of the NFC-normalised password: the backup's master key. In a worker
 * when the cost is high (see above); if no worker can be started (libsodium not resolvable from
 * where the core was bundled), in this thread, which is slower to give memory back but correct.
 */
export async function deriveMasterKey(sodium: Sodium, password: string, salt: Uint8Array, params: BackupKdfParams, signal?: AbortSignal): Promise<Uint8Array> {
  const keyBytes = sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES;
  const secret = new TextEncoder().encode(password.normalize('NFC'));
  try {
    if (params.memLimitBytes >= WORKER_MIN_MEMLIMIT_BYTES) {
      const sodiumPath = resolveSodium();
      if (sodiumPath !== undefined) {
        const key = await deriveInWorker(sodiumPath, secret, salt, params, keyBytes, signal);
        if (key !== undefined) return key;
      }
    }
    if (signal?.aborted) throw new BackupFailure('backup-cancelled');
    return sodium.crypto_pwhash(keyBytes, secret, salt, params.opsLimit, params.memLimitBytes, sodium.crypto_pwhash_ALG_ARGON2I13);
  } finally {
    sodium.memzero(secret);
  }
}

function resolveSodium(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('libsodium-wrappers-sumo');
  } catch {
    return undefined;
  }
}

/** The key, `undefined` when the worker could not run (the caller falls back), or a cancel. */
function deriveInWorker(
  sodiumPath: string,
  password: Uint8Array,
  salt: Uint8Array,
  params: BackupKdfParams,
  keyBytes: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new BackupFailure('backup-cancelled'));
      return;
    }
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sodiumPath, password, salt, opsLimit: params.opsLimit, memLimitBytes: params.memLimitBytes, keyBytes },
    });
    const onAbort = () => {
      settle();
      void worker.terminate();
      reject(new BackupFailure('backup-cancelled'));
    };
    let settled = false;
    const settle = () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: unknown) => {
      if (settled) return;
      settle();
      const key = message instanceof Uint8Array && message.length === keyBytes ? message : undefined;
      // Answer once the worker has stopped, so its memory is being returned when the caller goes on.
      const done = () => resolve(key);
      worker.terminate().then(done, done);
    });
    worker.once('error', () => {
      if (settled) return;
      settle();
      resolve(undefined);
    });
    worker.once('exit', () => {
      if (settled) return;
      settle();
      resolve(undefined);
    });
  });
}
