import { missingCase } from '../../../../protocol/result';
import type { CborMap } from './cbor';
import { CborReader, cborMap, decodeCbor, decodeCborSequence, encodeCbor, encodeCborSequence } from './cbor';
import { decodeIdentityKey, decodePublicKey, encodeIdentityKey, encodePublicKey } from './keyCodec';
import { MAC_BYTES } from './primitives';
import { ProteusFailure } from './proteusErrors';

/**
 * Wire's Proteus wire format (proteus.js `message/`), byte for byte:
 * - Envelope `{0: version 1, 1: {0: mac (32 bytes)}, 2: message bytes}`; the MAC is
 *   HMAC-SHA256 over exactly those message bytes (seed 002 "Message encryption").
 * - message bytes = CBOR uint type (1 cipher, 2 prekey) followed by the message map.
 * - CipherMessage `{0: session tag (16 bytes), 1: counter, 2: prev counter, 3: ratchet
 *   PublicKey, 4: ciphertext}`.
 * - PreKeyMessage `{0: prekey id, 1: base PublicKey, 2: IdentityKey, 3: CipherMessage}`.
 */

export const SESSION_TAG_BYTES = 16;
const ENVELOPE_VERSION = 1;
const MAX_COUNTER = 0xffffffff;
const CODE = 'proteus-invalid-message';

export type CipherMessage = Readonly<{
  sessionTag: Uint8Array;
  counter: number;
  prevCounter: number;
  ratchetKey: Uint8Array;
  cipherText: Uint8Array;
}>;

export type PreKeyMessage = Readonly<{
  prekeyId: number;
  baseKey: Uint8Array;
  identityKey: Uint8Array;
  message: CipherMessage;
}>;

export type ProteusMessage =
  | Readonly<{ kind: 'cipher'; message: CipherMessage }>
  | Readonly<{ kind: 'prekey'; message: PreKeyMessage }>;

export type Envelope = Readonly<{
  mac: Uint8Array;
  /** The exact bytes the MAC covers; never re-encoded. */
  messageBytes: Uint8Array;
  message: ProteusMessage;
}>;

function encodeCipherMap(message: CipherMessage): CborMap {
  return cborMap([
    [0, message.sessionTag],
    [1, message.counter],
    [2, message.prevCounter],
    [3, encodePublicKey(message.ratchetKey)],
    [4, message.cipherText],
  ]);
}

export function encodeMessage(message: ProteusMessage): Uint8Array {
  switch (message.kind) {
    case 'cipher':
      return encodeCborSequence([1, encodeCipherMap(message.message)]);
    case 'prekey': {
      const pkm = message.message;
      return encodeCborSequence([
        2,
        cborMap([
          [0, pkm.prekeyId],
          [1, encodePublicKey(pkm.baseKey)],
          [2, encodeIdentityKey(pkm.identityKey)],
          [3, encodeCipherMap(pkm.message)],
        ]),
      ]);
    }
    default:
      return missingCase(message);
  }
}

export function encodeEnvelope(mac: Uint8Array, messageBytes: Uint8Array): Uint8Array {
  return encodeCbor(
    cborMap([
      [0, ENVELOPE_VERSION],
      [1, cborMap([[0, mac]])],
      [2, messageBytes],
    ]),
  );
}

function decodeCipherMessage(reader: CborReader): CipherMessage {
  return {
    sessionTag: reader.bytes(0, SESSION_TAG_BYTES),
    counter: reader.uint(1, MAX_COUNTER),
    prevCounter: reader.uint(2, MAX_COUNTER),
    ratchetKey: decodePublicKey(reader.nested(3)),
    cipherText: reader.bytes(4),
  };
}

export function decodeMessage(bytes: Uint8Array): ProteusMessage {
  const [type, body, ...rest] = decodeCborSequence(bytes, CODE);
  if (rest.length > 0) throw new ProteusFailure(CODE);
  const reader = CborReader.of(body, CODE);
  switch (type) {
    case 1:
      return { kind: 'cipher', message: decodeCipherMessage(reader) };
    case 2:
      return {
        kind: 'prekey',
        message: {
          prekeyId: reader.uint(0, 0xffff),
          baseKey: decodePublicKey(reader.nested(1)),
          identityKey: decodeIdentityKey(reader.nested(2)),
          message: decodeCipherMessage(reader.nested(3)),
        },
      };
    default:
      throw new ProteusFailure(CODE);
  }
}

export type EnvelopeSummary = Readonly<{
  kind: 'cipher' | 'prekey';
  /** The sender's identity key, carried by prekey messages only. */
  senderIdentity: Uint8Array | null;
  prekeyId: number | null;
}>;

/** What an envelope says about itself, before any key is used (nothing here is authenticated). */
export function summariseEnvelope(bytes: Uint8Array): EnvelopeSummary {
  const { message } = decodeEnvelope(bytes);
  switch (message.kind) {
    case 'cipher':
      return { kind: 'cipher', senderIdentity: null, prekeyId: null };
    case 'prekey':
      return { kind: 'prekey', senderIdentity: message.message.identityKey, prekeyId: message.message.prekeyId };
    default:
      return missingCase(message);
  }
}

/** Parses an envelope from the network; every malformation is `proteus-invalid-message`. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const reader = CborReader.of(decodeCbor(bytes, CODE), CODE);
  if (reader.uint(0, 0xff) !== ENVELOPE_VERSION) throw new ProteusFailure(CODE);
  const mac = reader.nested(1).bytes(0, MAC_BYTES);
  const messageBytes = reader.bytes(2);
  return { mac, messageBytes, message: decodeMessage(messageBytes) };
}
