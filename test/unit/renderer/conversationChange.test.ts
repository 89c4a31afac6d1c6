import { describe, expect, it } from 'vitest';
import type { ConversationSummary } from '../../../electron/core/ipc/contract';
import { applyConversationChange } from '../../../renderer/lib/conversationChange';

function row(id: string, lastActivityAt: number, extra: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    domain: 'example.test',
    kind: 'group',
    name: `Group ${id}`,
    memberCount: 2,
    lastActivityAt,
    lastMessage: null,
    left: false,
    epoch: 1,
    unread: 0,
    verification: 'non-verified',
    mutedUntil: null,
    archived: false,
    ...extra,
  };
}

describe('a conversation change in the list', () => {
  const list = [row('a', 300), row('b', 200), row('c', 100)];

  it('patches the one row its summary names and leaves the others as they were', () => {
    const update = applyConversationChange(list, { id: 'b', summary: row('b', 200, { unread: 3, lastMessage: 'Summit at dawn' }) });
    expect(update.kind).toBe('patched');
    if (update.kind !== 'patched') return;
    expect(update.list.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(update.list[1]).toMatchObject({ unread: 3, lastMessage: 'Summit at dawn' });
    expect(update.list[0]).toBe(list[0]);
    expect(update.list[2]).toBe(list[2]);
  });

  it('moves a conversation with new activity to the top', () => {
    const update = applyConversationChange(list, { id: 'c', summary: row('c', 400) });
    expect(update.kind === 'patched' && update.list.map((c) => c.id)).toEqual(['c', 'a', 'b']);
  });

  it('adds a conversation the list did not hold yet', () => {
    const update = applyConversationChange(list, { id: 'd', summary: row('d', 250) });
    expect(update.kind === 'patched' && update.list.map((c) => c.id)).toEqual(['a', 'd', 'b', 'c']);
  });

  it('keeps rows with the same activity time in the order the core gave', () => {
    const tied = [row('a', 100), row('b', 100), row('c', 100)];
    const update = applyConversationChange(tied, { id: 'b', summary: row('b', 100, { unread: 1 }) });
    expect(update.kind === 'patched' && update.list.map((c) => c.id)).toEqual(['a', 'b', 'c']);
  });

  it('asks for the list again when the change has no summary, names every conversation, or carries another one', () => {
    expect(applyConversationChange(list, { id: 'b' }).kind).toBe('reload');
    expect(applyConversationChange(list, { id: '*' }).kind).toBe('reload');
    expect(applyConversationChange(list, { id: '*', summary: row('b', 1) }).kind).toBe('reload');
    expect(applyConversationChange(list, { id: 'a', summary: row('b', 1) }).kind).toBe('reload');
  });
});
