import { createHash, randomInt } from 'node:crypto';

/** A uniformly random 6-digit code, as seed 002 describes for e-mail verification and 2FA. */
export function newSixDigitCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Codes are stored hashed; `subject` is mixed in so equal codes for different subjects differ. */
export function hashCode(subject: string, code: string): string {
  return createHash('sha256').update(`${subject}\u0000${code}`).digest('hex');
}

/** Seed 002 durations and limits. */
export const CODE_RULES = {
  activation: { ttlMs: 14 * 24 * 3600 * 1000, attempts: 3 },
  passwordReset: { ttlMs: 3600 * 1000, attempts: 3 },
  secondFactor: { ttlMs: 15 * 60 * 1000, attempts: 3 },
} as const;
