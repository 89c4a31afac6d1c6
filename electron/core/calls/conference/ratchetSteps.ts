import { hkdfSync } from 'node:crypto';

/** RFC 9605 §5.1 label and output length (Nh of suite 0x0005, HKDF-SHA512). */
const RATCHET_LABEL = 'SFrame 1.0 Ratchet';
const RATCHET_BYTES = 64;

/**
 * RFC 9605 §5.1: the next base key of the chain, HKDF-Expand(HKDF-Extract("", key), "SFrame 1.0
 * Ratchet", Nh) with SHA-512 — the same function as the frame worker's `ratchetBaseKey`
 * (renderer/calls/sframe.ts), so what the core computes for step n is what the worker uses.
 * One-way: a step's key does not give the one before it (seed 001's forward secrecy).
 */
export function ratchetBaseKey(key: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(hkdfSync('sha512', key, new Uint8Array(0), RATCHET_LABEL, RATCHET_BYTES));
}

/** The base key of ratchet step `step` of an epoch, from the epoch's base key (step 0). */
export function baseKeyAtStep(epochBaseKey: Uint8Array, step: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError('a ratchet step is a whole number from 0');
  let key = epochBaseKey.slice();
  for (let i = 0; i < step; i += 1) key = ratchetBaseKey(key);
  return key;
}
