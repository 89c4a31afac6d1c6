import type { PaddingConfig } from 'ts-mls';

/*
 * Length hiding for application messages.
 *
 * Scheme: the encrypted content (RFC 9420 §6.3.1 PrivateMessageContent: application data,
 * signature, zero padding) is padded to a target length chosen from the plaintext length:
 *   target = padmé(max(MIN_PADDED_CONTENT, plaintextLength + MAX_CONTENT_OVERHEAD))
 * - MIN_PADDED_CONTENT = 256 makes every short text (up to ~90 bytes, most chat lines, typing
 *   notices, receipts, reactions) exactly the same size on the wire.
 * - Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with
 *   PURBs", PETS 2019) above that: at most 12 % overhead and only O(log log L) bits of the length
 *   leak, instead of the exact length.
 * The padding is MLS's own (zero bytes after the content inside the AEAD), set per message through
 * ts-mls' `padUntilLength`, so every RFC 9420 receiver (OpenMLS too) strips it without knowing
 * our scheme. Because padUntilLength pads *up to* the target, the variable length of ECDSA
 * signatures does not show either.
 */

export const MIN_PADDED_CONTENT = 256;

/**
 * Upper bound of what PrivateMessageContent adds around the plaintext: its length varint (≤ 4),
 * the signature's varint (≤ 2) and the signature (Ed25519 64 bytes; ECDSA P-521 in DER ≤ 139).
 */
export const MAX_CONTENT_OVERHEAD = 4 + 2 + 150;

/** Padmé rounding: keeps the top bits of the length, zeroes the low `E - S` bits upwards. */
export function padme(length: number): number {
  if (length < 2) return length;
  const exponent = Math.floor(Math.log2(length));
  const sizeBits = Math.floor(Math.log2(exponent)) + 1;
  const lastBits = exponent - sizeBits;
  const mask = 2 ** lastBits - 1;
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}

/** The padded content length for a plaintext of `plaintextLength` bytes. */
export function paddedContentLength(plaintextLength: number): number {
  return padme(Math.max(MIN_PADDED_CONTENT, plaintextLength + MAX_CONTENT_OVERHEAD));
}

/** The ts-mls padding setting that realises the scheme for one message. */
export function paddingFor(plaintextLength: number): PaddingConfig {
  return { kind: 'padUntilLength', padUntilLength: paddedContentLength(plaintextLength) };
}
