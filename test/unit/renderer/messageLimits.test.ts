import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_TEXT as CONTRACT_MAX, requests } from '../../../electron/core/ipc/contract';
import { MAX_MESSAGE_TEXT, lengthState } from '../../../renderer/lib/messageLimits';

describe('the composer length limit', () => {
  it('is the limit the core enforces on a sent text', () => {
    expect(MAX_MESSAGE_TEXT).toBe(CONTRACT_MAX);
    const send = (text: string): boolean =>
      requests['messages.send'].request.safeParse({ conversationId: '0f8fad5b-d9cb-469f-a165-70867728950e', text }).success;
    expect(send('x'.repeat(MAX_MESSAGE_TEXT))).toBe(true);
    expect(send('x'.repeat(MAX_MESSAGE_TEXT + 1))).toBe(false);
  });

  it('says nothing far from the limit, counts down near it, and says by how much a draft is over', () => {
    expect(lengthState(10)).toEqual({ kind: 'fine' });
    expect(lengthState(MAX_MESSAGE_TEXT - 499)).toEqual({ kind: 'near', remaining: 499 });
    expect(lengthState(MAX_MESSAGE_TEXT)).toEqual({ kind: 'near', remaining: 0 });
    expect(lengthState(MAX_MESSAGE_TEXT + 12)).toEqual({ kind: 'over', over: 12 });
  });
});
