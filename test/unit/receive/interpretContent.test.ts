import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeContent } from '../../../protocol/content/codec';
import type { Content } from '../../../protocol/content/schema';
import type { ContentInput } from '../../../electron/core/receive/interpretContent';
import { interpretContent, STALE_TYPING_MS } from '../../../electron/core/receive/interpretContent';

const conversationId = randomUUID();
const self = `${randomUUID()}@cairn.test`;
const bob = `${randomUUID()}@cairn.test`;
const sentAt = 1_700_000_000_000;
const receivedAt = sentAt + 1500;
const bothOn = () => ({ sendReadReceipts: true, sendTypingIndicators: true });

function input(content: Content, options: Partial<ContentInput> & { id?: string } = {}): ContentInput {
  const id = options.id ?? randomUUID();
  return {
    conversationId,
    notificationId: 42,
    notificationTime: sentAt + 1000,
    sender: bob,
    senderClient: 'b0b',
    selfId: self,
    plaintext: encodeContent({ v: 1, id, sentAt, content }),
    receivedAt,
    preferences: bothOn,
    ...options,
  };
}

describe('interpreting received content', () => {
  it('hands call signalling to the call service with the authenticated sender device and the server’s time, never as a stored message', () => {
    const callId = randomUUID();
    const content: Content = { type: 'call-cancel', callId };
    const [bobId, bobDomain] = bob.split('@');
    expect(interpretContent(input(content))).toEqual([
      { kind: 'follow-up', followUp: { kind: 'call-message', conversationId, from: { user: { id: bobId, domain: bobDomain }, clientId: 'b0b' }, sentAt: sentAt + 1000, content } },
    ]);
  });

  it('hands conference signalling to the conference service with the sender device and the server’s time, never as a stored message', () => {
    const conferenceId = randomUUID();
    const [bobId, bobDomain] = bob.split('@');
    const contents: Content[] = [
      { type: 'conference-start', conferenceId, callGroupId: randomUUID(), secret: new Uint8Array(randomBytes(32)), sfuUrl: 'https://sfu.cairn.test/janus', media: 'audio' },
      { type: 'conference-media', conferenceId, muted: false, cameraOff: true, sharing: false },
      { type: 'conference-end', conferenceId },
    ];
    for (const content of contents) {
      expect(interpretContent(input(content))).toEqual([
        { kind: 'follow-up', followUp: { kind: 'conference-message', conversationId, from: { user: { id: bobId, domain: bobDomain }, clientId: 'b0b' }, sentAt: sentAt + 1000, content } },
      ]);
    }
  });

  it("stores someone else's text with its quote and mentions, notifying and owing a delivery receipt", () => {
    const quoted = randomUUID();
    const hash = new Uint8Array(randomBytes(32));
    const id = randomUUID();
    const mention = { start: 0, length: 4, user: { id: randomUUID(), domain: 'cairn.test' } };
    const [effect, ...rest] = interpretContent(input({ type: 'text', text: '@Ann hi', mentions: [mention], quote: { messageId: quoted, textHash: hash } }, { id }));
    expect(rest).toEqual([]);
    expect(effect).toMatchObject({
      kind: 'store-message',
      fromOthers: true,
      owesReceipt: true,
      mentions: [mention],
      message: { id, conversationId, senderUser: bob, senderClient: 'b0b', kind: 'text', body: '@Ann hi', sentAt, receivedAt, status: 'received', quote: { messageId: quoted, textHash: hash } },
    });
  });

  it("owes no receipt for this user's own message from another device, but still shows it as new", () => {
    const [effect] = interpretContent(input({ type: 'knock' }, { sender: self }));
    expect(effect).toMatchObject({ kind: 'store-message', fromOthers: true, owesReceipt: false, message: { kind: 'knock', body: null } });
  });

  it('keeps the lifetime of a self-deleting text or ping', () => {
    const [text] = interpretContent(input({ type: 'ephemeral', expireAfterMs: 60_000, content: { type: 'text', text: 'soon gone', mentions: [] } }));
    const [knock] = interpretContent(input({ type: 'ephemeral', expireAfterMs: 5_000, content: { type: 'knock' } }));
    expect(text).toMatchObject({ kind: 'store-message', message: { kind: 'text', body: 'soon gone', timerMs: 60_000 } });
    expect(knock).toMatchObject({ kind: 'store-message', message: { kind: 'knock', timerMs: 5_000 } });
  });

  it('stores a file message and its key and hash', () => {
    const id = randomUUID();
    const asset = { type: 'asset', name: 'plan.pdf', mime: 'application/pdf', size: 9, key: new Uint8Array(32), sha256: new Uint8Array(32), assetId: 'k', domain: 'cairn.test' } as const;
    expect(interpretContent(input(asset, { id }))).toMatchObject([
      { kind: 'store-message', message: { id, kind: 'asset', body: 'plan.pdf' } },
      { kind: 'save-asset', conversationId, messageId: id, asset: { assetId: 'k', name: 'plan.pdf' } },
    ]);
  });

  it('turns edits, deletes and reactions into changes of the message they name', () => {
    const target = randomUUID();
    expect(interpretContent(input({ type: 'edit', replacingId: target, text: 'fixed', mentions: [] }))).toEqual([
      { kind: 'edit-message', conversationId, messageId: target, sender: bob, text: 'fixed', sentAt, mentions: [] },
    ]);
    expect(interpretContent(input({ type: 'delete', messageId: target }))).toEqual([{ kind: 'delete-message', conversationId, messageId: target, sender: bob, at: receivedAt }]);
    expect(interpretContent(input({ type: 'reaction', messageId: target, emoji: '👍' }))).toEqual([
      { kind: 'react', conversationId, messageId: target, sender: bob, emoji: '👍', at: sentAt },
    ]);
  });

  it('keeps read receipts only while this user sends them too, and delivery receipts always', () => {
    const ids = [randomUUID()];
    const off = () => ({ sendReadReceipts: false, sendTypingIndicators: true });
    expect(interpretContent(input({ type: 'receipt', kind: 'read', messageIds: ids }))).toEqual([
      { kind: 'save-receipts', conversationId, messageIds: ids, sender: bob, receipt: 'read', at: receivedAt },
    ]);
    expect(interpretContent(input({ type: 'receipt', kind: 'read', messageIds: ids }, { preferences: off }))).toEqual([]);
    expect(interpretContent(input({ type: 'receipt', kind: 'delivered', messageIds: ids }, { preferences: off }))).toHaveLength(1);
  });

  it("ignores receipts from this user's other devices", () => {
    expect(interpretContent(input({ type: 'receipt', kind: 'delivered', messageIds: [randomUUID()] }, { sender: self }))).toEqual([]);
  });

  it('shows fresh typing news only, and none while this user does not send it', () => {
    expect(interpretContent(input({ type: 'typing', state: 'started' }))).toEqual([
      { kind: 'follow-up', followUp: { kind: 'typing', conversationId, user: bob, state: 'started' } },
    ]);
    expect(interpretContent(input({ type: 'typing', state: 'started' }, { receivedAt: sentAt + STALE_TYPING_MS }))).toEqual([]);
    expect(interpretContent(input({ type: 'typing', state: 'started' }, { preferences: () => ({ sendReadReceipts: true, sendTypingIndicators: false }) }))).toEqual([]);
  });

  it("applies 'delete for me' only from this user's own devices", () => {
    const hide = { type: 'hide', conversationId: randomUUID(), messageId: randomUUID() } as const;
    expect(interpretContent(input(hide, { sender: self }))).toEqual([{ kind: 'hide-message', conversationId: hide.conversationId, messageId: hide.messageId, at: receivedAt }]);
    expect(interpretContent(input(hide))).toEqual([]);
  });

  it('stores a line for content that cannot be read, named after its notification', () => {
    expect(interpretContent({ ...input({ type: 'knock' }), plaintext: new Uint8Array([0xff, 0x00]) })).toEqual([
      {
        kind: 'store-message',
        fromOthers: false,
        owesReceipt: false,
        message: { id: 'unreadable-42', conversationId, senderUser: bob, senderClient: 'b0b', kind: 'undecryptable', body: null, content: null, sentAt: sentAt + 1000, receivedAt, status: 'received' },
      },
    ]);
  });

  it('reads the preferences only for content that needs them', () => {
    let reads = 0;
    const counting = () => {
      reads += 1;
      return { sendReadReceipts: true, sendTypingIndicators: true };
    };
    interpretContent(input({ type: 'text', text: 'hi', mentions: [] }, { preferences: counting }));
    expect(reads).toBe(0);
  });
});
