/**
 * Reads the pins a person pastes on the welcome screen. The renderer may import only types from
 * protocol/, so this repeats `parsePinList` (protocol/pins.ts) with a reason for each refusal;
 * test/unit/renderer/pinList.test.ts checks that both accept and refuse the same inputs. The
 * core validates the list again (ServerConfigSchema).
 */
import { t } from '../i18n';

/** `sha256/<base64>` of a SubjectPublicKeyInfo, as in protocol/pins.ts. */
const PIN_PATTERN = /^sha256\/[A-Za-z0-9+/]{43}=$/;

/** protocol/pins.ts MAX_PINS: the current pin and backups. */
export const MAX_PINS = 8;

export type PinListRead =
  | Readonly<{ ok: true; pins: readonly string[] }>
  | Readonly<{ ok: false; reason: 'none' }>
  | Readonly<{ ok: false; reason: 'too-many'; count: number }>
  | Readonly<{ ok: false; reason: 'not-a-pin'; piece: string }>;

/**
 * Pins separated by commas, spaces or new lines; duplicates dropped, order kept: the first is
 * the server's current key, the others backups it may move to.
 */
export function readPinList(text: string): PinListRead {
  const pieces = text.split(/[\s,]+/).filter((piece) => piece !== '');
  const bad = pieces.find((piece) => !PIN_PATTERN.test(piece));
  if (bad !== undefined) return { ok: false, reason: 'not-a-pin', piece: bad };
  const pins = [...new Set(pieces)];
  if (pins.length === 0) return { ok: false, reason: 'none' };
  if (pins.length > MAX_PINS) return { ok: false, reason: 'too-many', count: pins.length };
  return { ok: true, pins };
}

/** The pieces of `text` that are pins, in order, without duplicates: what the list under the field shows while typing. */
export function recognisedPins(text: string): readonly string[] {
  return [...new Set(text.split(/[\s,]+/).filter((piece) => PIN_PATTERN.test(piece)))];
}

/** What is wrong with a list of pins, in plain words; empty when it can be used. */
export function pinListProblem(read: PinListRead): string {
  if (read.ok) return '';
  switch (read.reason) {
    case 'none':
      return t('server.pinsNone');
    case 'not-a-pin':
      return t('server.pinsNotAPin', { piece: read.piece.length > 60 ? `${read.piece.slice(0, 60)}…` : read.piece });
    case 'too-many':
      return t('server.pinsTooMany', { count: read.count, max: MAX_PINS });
    default: {
      const unhandled: never = read;
      return unhandled;
    }
  }
}
