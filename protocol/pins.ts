import { z } from 'zod';

/**
 * Public-key pins: `sha256/<base64>` of a leaf certificate's SubjectPublicKeyInfo (RFC 7469's
 * form). Seed 002: clients "pin the public key of the leaf certificates to a set of hard-coded
 * values" — a set, so that a server can present a new key its clients already trust.
 */
export const PIN_PATTERN = /^sha256\/[A-Za-z0-9+/]{43}=$/;

/** The current pin and backups; more than this is a mistake, not a rotation. */
export const MAX_PINS = 8;

export const PinSchema = z.string().regex(PIN_PATTERN, 'a pin looks like sha256/<44 base64 characters>');

export const PinListSchema = z.array(PinSchema).min(1).max(MAX_PINS);

export type PinListParse = Readonly<{ ok: true; pins: readonly string[] }> | Readonly<{ ok: false; invalid: string }>;

/**
 * Reads pins as people paste them: separated by commas, spaces or new lines, duplicates
 * dropped, order kept (the first is the current key). `invalid` names the first piece that is
 * not a pin, or is empty when there are none or too many.
 */
export function parsePinList(text: string): PinListParse {
  const pieces = text.split(/[\s,]+/).filter((piece) => piece !== '');
  const bad = pieces.find((piece) => !PIN_PATTERN.test(piece));
  if (bad !== undefined) return { ok: false, invalid: bad };
  const pins = [...new Set(pieces)];
  if (pins.length === 0 || pins.length > MAX_PINS) return { ok: false, invalid: '' };
  return { ok: true, pins };
}

/**
 * The pins to keep after a server, reached over a connection verified with `connectedWith`,
 * published `advertised` (its current and next keys). The pin that was proven comes first and
 * is never dropped; the advertised ones follow; pins stored before are kept behind them while
 * there is room. So a rotation only ever adds trust from a key already trusted, and an old pin
 * leaves only once newer proven or blessed ones push it past `MAX_PINS`. Invalid advertised
 * entries are ignored.
 */
export function mergePins(stored: readonly string[], advertised: readonly string[], connectedWith: string): readonly string[] {
  const blessed = advertised.filter((pin) => PIN_PATTERN.test(pin));
  return [...new Set([connectedWith, ...blessed, ...stored])].slice(0, MAX_PINS);
}
