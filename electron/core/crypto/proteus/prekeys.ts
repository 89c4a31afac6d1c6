import { LAST_RESORT_PREKEY_ID } from '../../../../protocol/api/clients';
import { CborReader, cborMap, decodeCbor, encodeCbor } from './cbor';
import { decodeKeyPair, encodeKeyPair } from './keyCodec';
import type { Ed25519KeyPair } from './primitives';
import { generateEd25519KeyPair } from './primitives';
import { ProteusFailure } from './proteusErrors';

/**
 * Prekeys (seed 002 "Prekeys", "Last Resort Prekey"): ids 0..65534 are used once and deleted;
 * 65535 is the last-resort prekey, kept for the lifetime of the client and never deleted.
 */
export type Prekey = Readonly<{ id: number; keyPair: Ed25519KeyPair }>;

export { LAST_RESORT_PREKEY_ID };

/** seed 002: "The client tries to ensure that the backend has 100 unused prekeys available." */
export const PREKEY_TARGET_ON_SERVER = 100;

/** Wire's PreKey version; the only one that exists. */
const PREKEY_VERSION = 1;

export function isLastResortPrekeyId(id: number): boolean {
  return id === LAST_RESORT_PREKEY_ID;
}

/** Generates `count` one-time prekeys with ids from `startId`, wrapping within 0..65534 as Wire does. */
export function generatePrekeys(startId: number, count: number): Prekey[] {
  if (!Number.isInteger(startId) || startId < 0 || startId >= LAST_RESORT_PREKEY_ID) {
    throw new ProteusFailure('proteus-invalid-argument', `A prekey start id must be 0..${LAST_RESORT_PREKEY_ID - 1}.`);
  }
  if (!Number.isInteger(count) || count < 0 || count >= LAST_RESORT_PREKEY_ID) {
    throw new ProteusFailure('proteus-invalid-argument', 'A prekey count must be 0..65534.');
  }
  return Array.from({ length: count }, (_, i) => ({
    id: (startId + i) % LAST_RESORT_PREKEY_ID,
    keyPair: generateEd25519KeyPair(),
  }));
}

export function generateLastResortPrekey(): Prekey {
  return { id: LAST_RESORT_PREKEY_ID, keyPair: generateEd25519KeyPair() };
}

/** Wire's PreKey CBOR `{0: version, 1: id, 2: KeyPair}`, the form kept in the local DB. */
export function encodePrekey(prekey: Prekey): Uint8Array {
  return encodeCbor(
    cborMap([
      [0, PREKEY_VERSION],
      [1, prekey.id],
      [2, encodeKeyPair(prekey.keyPair)],
    ]),
  );
}

export function decodePrekey(bytes: Uint8Array): Prekey {
  const reader = CborReader.of(decodeCbor(bytes, 'proteus-invalid-state'), 'proteus-invalid-state');
  if (reader.uint(0, 0xff) !== PREKEY_VERSION) throw new ProteusFailure('proteus-invalid-state');
  return { id: reader.uint(1, 0xffff), keyPair: decodeKeyPair(reader.nested(2)) };
}

export type PrekeyRefillPlan = Readonly<{
  /** How many new prekeys to generate and upload now (0 when the server has enough). */
  count: number;
  /** Id of the first new prekey. */
  startId: number;
  /** What to store as the next start id once the upload succeeded. */
  nextStartId: number;
}>;

/**
 * Pure policy: given how many unused prekeys the server still holds (GET …/prekeys count) and
 * the next free id, how many to upload to get back to 100 (seed 002). Ids wrap within
 * 0..65534, so after 65535 uploads an id is reused — long after its first use was consumed.
 */
export function planPrekeyRefill(unusedOnServer: number, nextStartId: number): PrekeyRefillPlan {
  const start = Number.isInteger(nextStartId) && nextStartId >= 0 ? nextStartId % LAST_RESORT_PREKEY_ID : 0;
  const have = Number.isFinite(unusedOnServer) ? Math.max(0, Math.floor(unusedOnServer)) : 0;
  const count = Math.max(0, PREKEY_TARGET_ON_SERVER - have);
  return { count, startId: start, nextStartId: (start + count) % LAST_RESORT_PREKEY_ID };
}
