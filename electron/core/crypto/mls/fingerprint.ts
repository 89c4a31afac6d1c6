import { toHex } from './tlsBytes';

/**
 * The fingerprint a person compares to verify a device in MLS conversations: the device's MLS
 * signature public key itself (the key in its leaf node, which signs everything the device sends
 * into a group), written in lowercase hexadecimal in groups of two bytes, as Wire shows device
 * keys: `3f1a 09bc …` (16 groups for an Ed25519 key). Showing the whole key rather than a hash of
 * it leaves nothing to trust but the key, and both devices show the same text.
 *
 * Stored and compared as the plain hex of the key (`signatureKeyHex`); the grouped form is only
 * for display. Input typed or pasted by a person is read back with `parseFingerprint`.
 */
export function signatureKeyHex(signaturePublicKey: Uint8Array): string {
  return toHex(signaturePublicKey);
}

/** The display form of a key in plain hex: groups of 4 hex digits separated by single spaces. */
export function formatFingerprint(keyHex: string): string {
  return keyHex.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Reads a fingerprint as a person may give it (any case, with spaces, colons or line breaks
 * between the digits) and returns the plain lowercase hex, or undefined when it is not a whole
 * number of hex bytes.
 */
export function parseFingerprint(text: string): string | undefined {
  const hex = text.replace(/[\s:]/g, '').toLowerCase();
  return /^(?:[0-9a-f]{2}){16,}$/.test(hex) ? hex : undefined;
}
