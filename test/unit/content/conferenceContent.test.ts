import { randomBytes, randomUUID } from 'node:crypto';
import { encode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import type { ConferenceContent } from '../../../protocol/content/conferenceSchema';
import { ConferenceContentSchema } from '../../../protocol/content/conferenceSchema';
import { decodeContent, encodeContent } from '../../../protocol/content/codec';

const conferenceId = randomUUID();
const start: Extract<ConferenceContent, { type: 'conference-start' }> = {
  type: 'conference-start',
  conferenceId,
  callGroupId: randomUUID(),
  secret: new Uint8Array(randomBytes(32)),
  sfuUrl: 'https://sfu.cairn.test/janus',
  media: 'video',
};
const samples: ConferenceContent[] = [
  start,
  { ...start, media: 'audio', sfuUrl: 'http://127.0.0.1:8088/janus' },
  { type: 'conference-end', conferenceId },
  { type: 'conference-media', conferenceId, muted: true, cameraOff: false, sharing: true },
];

const envelope = (content: unknown) => ({ v: 1, id: randomUUID(), sentAt: 1_700_000_000_000, content });

describe('conference content messages', () => {
  it.each(samples.map((s, i) => [`${s.type} #${i}`, s] as const))('round-trips %s through CBOR', (_name, content) => {
    const original = envelope(content);
    expect(decodeContent(encodeContent({ ...original, v: 1, content }))).toEqual({ ok: true, value: original });
  });

  it.each([
    ['a conference id that is not a UUID', { ...start, conferenceId: 'call-1' }, 'the conference id must be a UUID'],
    ['a call group id that is not a UUID', { ...start, callGroupId: 'sub' }, 'the call group id must be a UUID'],
    ['a call secret of 16 bytes', { ...start, secret: new Uint8Array(16) }, 'the call secret must be 32 bytes'],
    ['a call secret as text', { ...start, secret: 'a'.repeat(32) }, undefined],
    ['an SFU address that is not a URL', { ...start, sfuUrl: 'sfu.cairn.test' }, 'the SFU address must start with https://'],
    ['media other than audio or video', { ...start, media: 'screen' }, 'media must be "audio" or "video"'],
    ['a media state without sharing', { type: 'conference-media', conferenceId, muted: true, cameraOff: false }, 'sharing must be true or false'],
    ['a field no version sends', { type: 'conference-end', conferenceId, room: 1234 }, undefined],
  ])('refuses %s', (_name, content, message) => {
    const parsed = ConferenceContentSchema.safeParse(content);
    expect(parsed.success).toBe(false);
    if (message !== undefined && !parsed.success) expect(parsed.error.issues.map((issue) => issue.message)).toContain(message);
  });

  it('drops a decrypted start message that does not fit as malformed, never half-used', () => {
    const bytes = encode(envelope({ ...start, secret: new Uint8Array(31) }));
    expect(decodeContent(new Uint8Array(bytes))).toMatchObject({ ok: false, error: { code: 'content-malformed' } });
  });
});
