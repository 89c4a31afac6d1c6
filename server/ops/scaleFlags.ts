import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';
import type { ServerOptions } from '../server';

/** The command-line flags for limits, metrics and the database (issue 18), for `parseArgs`. */
export const SCALE_FLAGS = {
  'hash-workers': { type: 'string' },
  'hash-queue': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  'database-pool': { type: 'string' },
} as const;

export type ScaleFlagValues = Readonly<Partial<Record<keyof typeof SCALE_FLAGS, string>>>;

function count(flag: string, text: string | undefined, min: number, max: number): Result<number | undefined> {
  if (text === undefined) return ok(undefined);
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) return err('bad-flag', `--${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  return ok(value);
}

/** Reads the flags into server options; a wrong value is an error naming the flag. */
export function readScaleFlags(values: ScaleFlagValues & Readonly<{ database?: string }>): Result<Pick<ServerOptions, 'hashPool' | 'metrics' | 'databasePool'>> {
  const workers = count('hash-workers', values['hash-workers'], 0, 256);
  if (!workers.ok) return workers;
  const queue = count('hash-queue', values['hash-queue'], 1, 100_000);
  if (!queue.ok) return queue;
  const metricsPort = count('metrics-port', values['metrics-port'], 0, 65535);
  if (!metricsPort.ok) return metricsPort;
  if (values['metrics-host'] !== undefined && metricsPort.value === undefined) return err('bad-flag', '--metrics-host needs --metrics-port');
  const pool = count('database-pool', values['database-pool'], 1, 1000);
  if (!pool.ok) return pool;
  if (pool.value !== undefined && values.database === undefined) return err('bad-flag', '--database-pool needs --database postgres://… (SQLite has no connection pool)');
  const maxQueued = queue.value;
  return ok({
    ...(pool.value === undefined ? {} : { databasePool: pool.value }),
    hashPool: {
      ...(workers.value === undefined ? {} : { workers: workers.value }),
      ...(maxQueued === undefined ? {} : { maxQueued, maxPerAddress: Math.max(4, Math.floor(maxQueued / 4)) }),
    },
    ...(metricsPort.value === undefined ? {} : { metrics: { port: metricsPort.value, ...(values['metrics-host'] ? { host: values['metrics-host'] } : {}) } }),
  });
}
