import { randomUUID } from 'node:crypto';
import { encode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import type { CallContent } from '../../../protocol/content/callSchema';
import { CallContentSchema, isCallContent, MAX_SDP_LENGTH } from '../../../protocol/content/callSchema';
import { decodeContent, encodeContent } from '../../../protocol/content/codec';
import type { Content } from '../../../protocol/content/schema';
import { chromiumOffer, randomFingerprint } from '../../fixtures/calls/chromiumSdp';

const fingerprint = randomFingerprint();
const sdp = chromiumOffer(fingerprint);
const callId = randomUUID();
const bob = { user: { id: randomUUID(), domain: 'cairn.test' }, clientId: '1f' };

const samples: CallContent[] = [
  { type: 'call-setup', callId, sdp, fingerprint, media: 'video', cbr: false },
  { type: 'call-setup', callId, sdp: chromiumOffer(fingerprint, { video: false }), fingerprint, media: 'audio', cbr: true },
  { type: 'call-answer', callId, sdp: chromiumOffer(fingerprint, { type: 'answer' }), fingerprint, cbr: false },
  { type: 'call-reject', callId, reason: 'declined' },
  { type: 'call-reject', callId, reason: 'busy' },
  { type: 'call-reject', callId, reason: 'answered-elsewhere', to: bob },
  { type: 'call-cancel', callId },
  { type: 'call-hangup', callId },
  { type: 'call-media', callId, muted: true, cameraOff: false, sharing: true },
  { type: 'call-ice-restart', callId, kind: 'offer', sdp, fingerprint },
  { type: 'call-ice-restart', callId, kind: 'answer', sdp, fingerprint },
];

const envelope = (content: unknown) => ({ v: 1, id: randomUUID(), sentAt: 1_700_000_000_000, content });

describe('call content messages', () => {
  it.each(samples.map((s, i) => [`${s.type} #${i}`, s] as const))('round-trips %s through CBOR', (_name, content) => {
    const original = envelope(content);
    const decoded = decodeContent(encodeContent({ ...original, v: 1, content }));
    expect(decoded).toEqual({ ok: true, value: original });
    if (decoded.ok) expect(isCallContent(decoded.value.content)).toBe(true);
  });

  it('tells call signalling apart from everything the history shows', () => {
    const chat: Content[] = [{ type: 'text', text: 'call me', mentions: [] }, { type: 'knock' }, { type: 'typing', state: 'started' }];
    expect(chat.map((c) => isCallContent(c))).toEqual([false, false, false]);
  });

  const setup = samples[0] as Extract<CallContent, { type: 'call-setup' }>;
  const answer = samples[2] as Extract<CallContent, { type: 'call-answer' }>;
  const reject = samples[3] as Extract<CallContent, { type: 'call-reject' }>;
  const media = samples[8] as Extract<CallContent, { type: 'call-media' }>;
  const restart = samples[9] as Extract<CallContent, { type: 'call-ice-restart' }>;

  it.each([
    ['a call id that is not a UUID', { ...setup, callId: 'call-1' }, 'the call id must be a UUID'],
    ['a missing call id', { type: 'call-cancel' }, 'the call id must be a UUID'],
    ['an empty SDP', { ...setup, sdp: '' }, 'the SDP is empty'],
    ['an SDP that is not text', { ...setup, sdp: 42 }, 'the SDP must be text'],
    ['an SDP without its version line', { ...setup, sdp: 'o=- 1 2 IN IP4 127.0.0.1\r\n' }, 'the SDP does not start with "v=0"'],
    ['an SDP past the size limit', { ...setup, sdp: `v=0\r\n${'a=x\r\n'.repeat(MAX_SDP_LENGTH / 5)}` }, `the SDP is longer than ${MAX_SDP_LENGTH} characters`],
    ['a SHA-1 fingerprint', { ...setup, fingerprint: { algorithm: 'sha-1', value: fingerprint.value.slice(0, 59) } }, 'the fingerprint hash must be sha-256, sha-384 or sha-512'],
    ['a fingerprint in lower case', { ...setup, fingerprint: { ...fingerprint, value: fingerprint.value.toLowerCase() } }, 'the fingerprint must be upper-case hex bytes separated by colons'],
    ['a fingerprint without colons', { ...setup, fingerprint: { ...fingerprint, value: fingerprint.value.replaceAll(':', '') } }, 'the fingerprint must be upper-case hex bytes separated by colons'],
    ['a fingerprint too short for its hash', { ...setup, fingerprint: { ...fingerprint, value: fingerprint.value.slice(3) } }, 'the fingerprint length does not match its hash function'],
    ['a fingerprint with an extra field', { ...setup, fingerprint: { ...fingerprint, note: 'x' } }, 'Unrecognized key: "note"'],
    ['media that is neither audio nor video', { ...setup, media: 'screen' }, 'media must be "audio" or "video"'],
    ['a missing CBR flag', { ...setup, cbr: undefined }, 'cbr must be true or false'],
    ['a CBR flag that is a number', { ...answer, cbr: 1 }, 'cbr must be true or false'],
    ['an answer without a fingerprint', { ...answer, fingerprint: undefined }, 'the DTLS fingerprint is missing'],
    ['an unknown reject reason', { ...reject, reason: 'nope' }, 'the reason must be declined, busy or answered-elsewhere'],
    ['a late-answer refusal that names no device', { ...reject, reason: 'answered-elsewhere' }, 'a late answer is refused to one named device, and only then is a device named'],
    ['a decline addressed to one device', { ...reject, to: bob }, 'a late answer is refused to one named device, and only then is a device named'],
    ['a device whose client id is not hex', { ...reject, reason: 'answered-elsewhere', to: { ...bob, clientId: 'XYZ' } }, 'the client id must be 1 to 16 lower-case hex digits'],
    ['a device whose user id is not a UUID', { ...reject, reason: 'answered-elsewhere', to: { ...bob, user: { id: 'bob', domain: 'cairn.test' } } }, 'the user id must be a UUID'],
    ['a mute state that is not a boolean', { ...media, muted: 'yes' }, 'muted must be true or false'],
    ['a missing camera state', { ...media, cameraOff: undefined }, 'cameraOff must be true or false'],
    ['a sharing state that is null', { ...media, sharing: null }, 'sharing must be true or false'],
    ['an ICE restart that is neither offer nor answer', { ...restart, kind: 'pranswer' }, 'kind must be "offer" or "answer"'],
    ['an ICE restart without an SDP', { ...restart, sdp: undefined }, 'the SDP must be text'],
    ['an unknown field on a setup', { ...setup, turn: 'turn:evil.example' }, 'Unrecognized key: "turn"'],
  ])('refuses %s, saying why', (_name, value, reason) => {
    const parsed = CallContentSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toContain(reason);
    // Inside a content message it is malformed, not "from a newer version".
    expect(decodeContent(encode(envelope(value)))).toMatchObject({ ok: false, error: { code: 'content-malformed' } });
  });

  it('reports a call message type it does not know as from a newer version', () => {
    expect(decodeContent(encode(envelope({ type: 'call-transfer', callId })))).toMatchObject({ ok: false, error: { code: 'content-unknown-type' } });
  });
});
