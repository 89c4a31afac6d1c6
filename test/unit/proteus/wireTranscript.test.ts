/**
 * Byte compatibility with Wire's Proteus without loading it: a transcript recorded with
 * @wireapp/proteus 9.13.0 (test/fixtures/proteus/makeWireTranscript.mjs) is read, decrypted and
 * re-encoded to the very same bytes. The live two-way interop test is in test/integration/proteus.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeEnvelope, decodeMessage, encodeEnvelope, encodeMessage } from '../../../electron/core/crypto/proteus/messageCodec';
import { decodePrekeyBundle, encodePrekeyBundle } from '../../../electron/core/crypto/proteus/prekeyBundle';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import type { Decrypted, Session } from '../../../electron/core/crypto/proteus/session';
import { read, value } from './proteusTestClient';

const Base64Bytes = z.base64().transform((s) => new Uint8Array(Buffer.from(s, 'base64')));
const Exchange = z.array(z.object({ plaintext: z.string(), envelope: Base64Bytes }));
const TranscriptSchema = z.object({
  aliceIdentity: Base64Bytes,
  aliceFingerprint: z.string(),
  aliceSessionAfterSending: Base64Bytes,
  bobIdentity: Base64Bytes,
  bobFingerprint: z.string(),
  bobPrekey: Base64Bytes,
  bobPrekeyBundle: z.object({ id: z.number(), key: z.string() }),
  toBob: Exchange,
  toAlice: Exchange,
});

const transcript = TranscriptSchema.parse(
  JSON.parse(readFileSync(new URL('../../fixtures/proteus/wire-transcript.json', import.meta.url), 'utf8')),
);

let proteus: ProteusApi;
beforeAll(async () => {
  proteus = await loadProteus();
});

function envelopeAt(list: z.infer<typeof Exchange>, index: number): Uint8Array {
  const entry = list[index];
  if (entry === undefined) throw new Error(`no envelope ${index}`);
  return entry.envelope;
}

describe('a Proteus transcript recorded with Wire’s library', () => {
  it('reads Wire identities and prekeys and writes them back byte for byte', () => {
    const bob = value(proteus.decodeIdentity(transcript.bobIdentity));
    expect(proteus.fingerprint(bob.keyPair.publicKey)).toBe(transcript.bobFingerprint);
    expect(value(proteus.encodeIdentity(bob))).toEqual(transcript.bobIdentity);
    const prekey = value(proteus.decodePrekey(transcript.bobPrekey));
    expect(prekey.id).toBe(17);
    expect(value(proteus.encodePrekey(prekey))).toEqual(transcript.bobPrekey);
    const bundleBytes = new Uint8Array(Buffer.from(transcript.bobPrekeyBundle.key, 'base64'));
    expect(encodePrekeyBundle(decodePrekeyBundle(bundleBytes))).toEqual(bundleBytes);
  });

  it('re-encodes every Wire envelope and message to identical bytes', () => {
    for (const envelopeBytes of [...transcript.toBob, ...transcript.toAlice].map((e) => e.envelope)) {
      const envelope = decodeEnvelope(envelopeBytes);
      expect(encodeMessage(decodeMessage(envelope.messageBytes))).toEqual(envelope.messageBytes);
      expect(encodeEnvelope(envelope.mac, envelope.messageBytes)).toEqual(envelopeBytes);
    }
  });

  it('decrypts Wire prekey messages out of order as Bob, consuming prekey 17 once', () => {
    const bob = value(proteus.decodeIdentity(transcript.bobIdentity));
    const prekey = value(proteus.decodePrekey(transcript.bobPrekey));
    let session: Session | null = null;
    const consumed: number[] = [];
    for (const index of [2, 0, 1]) {
      const envelope = envelopeAt(transcript.toBob, index);
      const loadPrekey = (id: number) => (id === 17 ? prekey : undefined);
      const out: Decrypted = value(proteus.decrypt({ identity: bob, session, envelope, loadPrekey }));
      session = out.session;
      if (out.consumedPrekeyId !== null) consumed.push(out.consumedPrekeyId);
      expect(read(out.plaintext)).toBe(transcript.toBob[index]?.plaintext);
    }
    expect(consumed).toEqual([17]);
    expect(session === null ? '' : proteus.fingerprint(session.remoteIdentity)).toBe(transcript.aliceFingerprint);
  });

  it('continues Alice’s session as Wire stored it and decrypts Bob’s replies', () => {
    const alice = value(proteus.decodeIdentity(transcript.aliceIdentity));
    let session = value(proteus.decodeSession(alice, transcript.aliceSessionAfterSending));
    expect(value(proteus.encodeSession(session))).toEqual(transcript.aliceSessionAfterSending);
    for (const index of [1, 0]) {
      const envelope = envelopeAt(transcript.toAlice, index);
      const out = value(proteus.decrypt({ identity: alice, session, envelope, loadPrekey: () => undefined }));
      session = out.session;
      expect(read(out.plaintext)).toBe(transcript.toAlice[index]?.plaintext);
    }
    expect(session.pendingPrekey).toBeNull();
  });
});
