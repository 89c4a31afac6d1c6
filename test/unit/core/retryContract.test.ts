/**
 * `messages.retry` through the router: malformed requests are refused before the core sees them,
 * and the core's refusal reaches the caller as its code and sentence.
 */
import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import { CoreError } from '../../../electron/core/ipc/errors';
import { createRouter } from '../../../electron/core/ipc/router';
import { testHandlers } from '../../support/handlers';

const CONVERSATION = '6f1c2f0e-3a59-4e43-9d8a-2f4f0a7d9b11';
const MESSAGE = '0b8f7a52-9c1d-4f6e-8a3b-5d2e1c4f7a90';

const sent: StoredMessage = {
  id: MESSAGE,
  conversationId: CONVERSATION,
  sender: 'u@example.test',
  senderName: 'U',
  senderClient: 'c1',
  kind: 'text',
  text: 'hello',
  sentAt: 1,
  status: 'sent',
  editedAt: null,
  deleted: false,
  reactions: [],
  readBy: [],
  deliveredTo: [],
  quote: null,
  mentions: [],
  mentionsMe: false,
  timerMs: null,
  expiresAt: null,
  asset: null,
  failure: null,
};

function router(onRetry: (request: { conversationId: string; messageId: string }) => StoredMessage = () => sent) {
  const calls: unknown[] = [];
  const routed = createRouter(
    testHandlers({
      'messages.retry': (request) => {
        calls.push(request);
        return onRetry(request);
      },
    }),
  );
  return { routed, calls };
}

describe('messages.retry request', () => {
  it('passes a well-formed request to the core and returns the message', async () => {
    const { routed, calls } = router();
    expect(await routed.handle('messages.retry', { conversationId: CONVERSATION, messageId: MESSAGE })).toEqual({ ok: true, value: sent });
    expect(calls).toEqual([{ conversationId: CONVERSATION, messageId: MESSAGE }]);
  });

  it.each([
    ['no message id', { conversationId: CONVERSATION }],
    ['no conversation id', { messageId: MESSAGE }],
    ['a conversation id that is no UUID', { conversationId: 'general', messageId: MESSAGE }],
    ['an empty message id', { conversationId: CONVERSATION, messageId: '' }],
    ['an oversized message id', { conversationId: CONVERSATION, messageId: 'x'.repeat(129) }],
    ['a message id that is a number', { conversationId: CONVERSATION, messageId: 7 }],
    ['an extra field', { conversationId: CONVERSATION, messageId: MESSAGE, text: 'changed' }],
    ['no object', MESSAGE],
  ])('refuses a request with %s and never calls the core', async (_name, payload) => {
    const { routed, calls } = router();
    const result = await routed.handle('messages.retry', payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    expect(calls).toEqual([]);
  });

  it("passes the core's refusal on as its code and sentence", async () => {
    const { routed } = router(() => {
      throw new CoreError('message-not-failed', 'This message was sent already; only a message that was not sent can be sent again.');
    });
    expect(await routed.handle('messages.retry', { conversationId: CONVERSATION, messageId: MESSAGE })).toEqual({
      ok: false,
      error: { code: 'message-not-failed', message: 'This message was sent already; only a message that was not sent can be sent again.' },
    });
  });

  it('refuses a core answer that is not a message', async () => {
    const { routed } = router(() => ({ ...sent, status: 'lost' }) as unknown as StoredMessage);
    expect(await routed.handle('messages.retry', { conversationId: CONVERSATION, messageId: MESSAGE })).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});
