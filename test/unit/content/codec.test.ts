import { randomBytes, randomUUID } from 'node:crypto';
import { encode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { decodeContent, encodeContent, MAX_CONTENT_BYTES } from '../../../protocol/content/codec';
import type { Content, ContentMessage } from '../../../protocol/content/schema';

const alice = { id: randomUUID(), domain: 'cairn.test' };
const key = new Uint8Array(randomBytes(32));
const hash = new Uint8Array(randomBytes(32));

function message(content: Content): ContentMessage {
  return { v: 1, id: randomUUID(), sentAt: 1_700_000_000_000, content };
}

const samples: Content[] = [
  { type: 'text', text: 'hello @alice 👋', mentions: [{ start: 6, length: 6, user: alice }], quote: { messageId: randomUUID() } },
  { type: 'edit', replacingId: randomUUID(), text: 'fixed', mentions: [] },
  { type: 'delete', messageId: randomUUID() },
  { type: 'hide', conversationId: randomUUID(), messageId: randomUUID() },
  { type: 'reaction', messageId: randomUUID(), emoji: '❤️' },
  { type: 'reaction', messageId: randomUUID(), emoji: '' },
  { type: 'receipt', kind: 'read', messageIds: [randomUUID(), randomUUID()] },
  { type: 'typing', state: 'started' },
  { type: 'knock' },
  { type: 'asset', name: 'plan.pdf', mime: 'application/pdf', size: 1234, key, sha256: hash, assetId: 'a1', domain: 'cairn.test' },
  { type: 'ephemeral', expireAfterMs: 60_000, content: { type: 'text', text: 'gone soon', mentions: [] } },
];

describe('content messages', () => {
  it.each(samples.map((s) => [s.type, s] as const))('round-trips a %s message', (_type, content) => {
    const original = message(content);
    const decoded = decodeContent(encodeContent(original));
    expect(decoded).toEqual({ ok: true, value: original });
  });

  it('keeps key and hash bytes exact through CBOR', () => {
    const decoded = decodeContent(encodeContent(message(samples[9] as Content)));
    if (!decoded.ok || decoded.value.content.type !== 'asset') throw new Error('expected an asset');
    expect(Buffer.from(decoded.value.content.key).equals(Buffer.from(key))).toBe(true);
    expect(Buffer.from(decoded.value.content.sha256).equals(Buffer.from(hash))).toBe(true);
  });

  it('reports a message type from a newer version as such, not as garbage', () => {
    const bytes = encode({ v: 1, id: randomUUID(), sentAt: 1, content: { type: 'poll', question: 'lunch?' } });
    expect(decodeContent(bytes)).toMatchObject({ ok: false, error: { code: 'content-unknown-type' } });
  });

  it.each([
    ['a mention outside the text', { v: 1, id: randomUUID(), sentAt: 1, content: { type: 'text', text: 'hi', mentions: [{ start: 1, length: 5, user: alice }] } }],
    ['an unknown envelope field', { v: 1, id: randomUUID(), sentAt: 1, extra: true, content: { type: 'knock' } }],
    ['a future envelope version', { v: 2, id: randomUUID(), sentAt: 1, content: { type: 'knock' } }],
    ['a key of the wrong length', { v: 1, id: randomUUID(), sentAt: 1, content: { ...samples[9], key: new Uint8Array(31) } }],
    ['an empty text', { v: 1, id: randomUUID(), sentAt: 1, content: { type: 'text', text: '', mentions: [] } }],
    ['a non-uuid id', { v: 1, id: 'x', sentAt: 1, content: { type: 'knock' } }],
    ['a __proto__ key', JSON.parse('{"v":1,"id":"00000000-0000-4000-8000-000000000000","sentAt":1,"content":{"type":"knock"},"__proto__":{"polluted":true}}')],
  ])('refuses %s as malformed', (_name, value) => {
    expect(decodeContent(encode(value))).toMatchObject({ ok: false, error: { code: 'content-malformed' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses oversized payloads before decoding them', () => {
    expect(decodeContent(new Uint8Array(MAX_CONTENT_BYTES + 1))).toMatchObject({ ok: false, error: { code: 'content-too-large' } });
  });

  it('never throws on random bytes or bit flips', () => {
    const valid = encodeContent(message(samples[0] as Content));
    for (let i = 0; i < 2000; i++) {
      const bytes = i % 2 === 0 ? new Uint8Array(randomBytes(1 + (i % 300))) : flipOneBit(valid, i);
      const result = decodeContent(bytes);
      if (!result.ok) expect(['content-malformed', 'content-unknown-type']).toContain(result.error.code);
    }
  });
});

function flipOneBit(bytes: Uint8Array, seed: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const index = (seed * 7919) % copy.length;
  copy[index] = (copy[index] ?? 0) ^ (1 << (seed % 8));
  return copy;
}
