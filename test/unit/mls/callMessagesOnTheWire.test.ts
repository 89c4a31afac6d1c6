import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { paddedContentLength } from '../../../electron/core/crypto/mls/messagePadding';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import type { Content } from '../../../protocol/content/schema';
import { encodeContent } from '../../../protocol/content/codec';
import { readMessageHeader } from '../../../server/mls/wire';
import type { TestDevice } from '../../fixtures/mls/mlsTestDevices';
import { joinWelcome, keyPackageOf, must, newDevice, text } from '../../fixtures/mls/mlsTestDevices';
import { chromiumOffer, randomFingerprint } from '../../fixtures/calls/chromiumSdp';

/*
 * Issue 13: call signalling must look like chat to the server — same route, same wire format,
 * same content type, same size buckets. Checked on real MLS output with the server's own reader.
 */
describe('call messages as the server sees them', () => {
  let alice: TestDevice;
  let group: MlsGroup;
  const groupId = text('conversation-calls');

  beforeAll(async () => {
    alice = await newDevice();
    const bob = await newDevice();
    const created = must(await alice.engine.createGroup(groupId));
    const added = must(await alice.engine.addMembers(created, [await keyPackageOf(bob)]));
    group = added.group;
    await joinWelcome(bob, added.welcome);
  });

  const encoded = (content: Content): Uint8Array => encodeContent({ v: 1, id: randomUUID(), sentAt: Date.now(), content });

  /** A text whose encoded content message is exactly `length` bytes. */
  function textOfEncodedLength(length: number): Uint8Array {
    // CBOR's string header grows by steps (1, 2, 3 bytes), so try the lengths around the estimate.
    const overhead = encoded({ type: 'text', text: 'x', mentions: [] }).length - 1;
    for (let size = Math.max(1, length - overhead - 4); size <= length - overhead + 4; size++) {
      const bytes = encoded({ type: 'text', text: 'x'.repeat(size), mentions: [] });
      if (bytes.length === length) return bytes;
    }
    throw new Error(`no text encodes to ${length} bytes`);
  }

  async function onTheWire(plaintext: Uint8Array): Promise<Uint8Array> {
    const sent = must(await alice.engine.encrypt(group, plaintext));
    group = sent.group;
    return sent.message;
  }

  it('pads a typical setup (a ~3 KB SDP) into the same bucket as a text of its size, to the byte', async () => {
    const fingerprint = randomFingerprint();
    const setup = encoded({ type: 'call-setup', callId: randomUUID(), sdp: chromiumOffer(fingerprint), fingerprint, media: 'video', cbr: false });
    expect(setup.length).toBeGreaterThan(2048);
    expect(setup.length).toBeLessThan(4096);
    const chat = textOfEncodedLength(setup.length);
    const [callBytes, chatBytes] = [await onTheWire(setup), await onTheWire(chat)];
    expect(callBytes.length).toBe(chatBytes.length);
    // And a text a few hundred bytes shorter or longer lands in the same padmé bucket too: the
    // bucket, not the exact length, is all the size says.
    const bucket = paddedContentLength(setup.length);
    const neighbours = [-150, -60, 40].map((d) => textOfEncodedLength(setup.length + d)).filter((t) => paddedContentLength(t.length) === bucket);
    expect(neighbours.length).toBeGreaterThan(0);
    for (const neighbour of neighbours) expect((await onTheWire(neighbour)).length).toBe(callBytes.length);
  });

  it('puts every other call message into a bucket that chat lines of 40 to 200 characters share', async () => {
    const callId = randomUUID();
    const fingerprint = randomFingerprint();
    const others: Content[] = [
      { type: 'call-answer', callId, sdp: chromiumOffer(fingerprint, { type: 'answer' }), fingerprint, cbr: false },
      { type: 'call-ice-restart', callId, kind: 'offer', sdp: chromiumOffer(fingerprint), fingerprint },
      { type: 'call-cancel', callId },
      { type: 'call-hangup', callId },
      { type: 'call-reject', callId, reason: 'declined' },
      { type: 'call-reject', callId, reason: 'answered-elsewhere', to: { user: { id: randomUUID(), domain: 'cairn.test' }, clientId: 'abcdef0123456789' } },
      { type: 'call-media', callId, muted: true, cameraOff: true, sharing: false },
    ];
    for (const content of others) {
      const call = encoded(content);
      const chat = textOfEncodedLength(call.length);
      expect((await onTheWire(call)).length, content.type).toBe((await onTheWire(chat)).length);
    }
    // The short ones (everything but SDP carriers) look like a sentence, not like a receipt or a
    // typing notice: their buckets are those of texts this long.
    const shortBuckets = new Set(others.slice(2).map((c) => paddedContentLength(encoded(c).length)));
    const sentenceBuckets = new Set(Array.from({ length: 161 }, (_, i) => paddedContentLength(encoded({ type: 'text', text: 'y'.repeat(40 + i), mentions: [] }).length)));
    for (const bucket of shortBuckets) expect(sentenceBuckets.has(bucket)).toBe(true);
  });

  it('shows the server an application message of the conversation and nothing of the call in it', async () => {
    const fingerprint = randomFingerprint();
    const callId = randomUUID();
    const sdp = chromiumOffer(fingerprint);
    const wire = Buffer.from(await onTheWire(encoded({ type: 'call-setup', callId, sdp, fingerprint, media: 'audio', cbr: true })));
    const chat = Buffer.from(await onTheWire(encoded({ type: 'text', text: 'hello', mentions: [] })));
    const header = readMessageHeader(wire);
    expect(header).toMatchObject({ ok: true, value: { wireFormat: 'private', groupId: Buffer.from(groupId), contentType: 1, senderType: undefined } });
    // Exactly what the server reads from a text message, apart from the bytes after the header.
    const chatHeader = readMessageHeader(chat);
    expect(header.ok && chatHeader.ok && { ...header.value, epoch: 0n }).toEqual(chatHeader.ok && { ...chatHeader.value, epoch: 0n });
    for (const visible of ['call-setup', 'callId', 'media', 'cbr', 'fingerprint', callId, fingerprint.value, 'a=fingerprint', 'v=0', 'UDP/TLS/RTP/SAVPF']) {
      expect(wire.includes(Buffer.from(visible)), visible).toBe(false);
    }
    // The call id's raw bytes do not appear either.
    expect(wire.includes(Buffer.from(callId.replaceAll('-', ''), 'hex'))).toBe(false);
  });
});
