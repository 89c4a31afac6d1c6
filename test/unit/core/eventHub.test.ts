import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../electron/core/events';
import type { ConversationSummary } from '../../../electron/core/ipc/contract';
import { silentLogger } from '../../../electron/core/log';

function summary(unread: number): ConversationSummary {
  return {
    id: 'a',
    domain: 'example.test',
    kind: 'group',
    name: 'Base camp',
    memberCount: 2,
    lastActivityAt: 1000 + unread,
    lastMessage: `message ${unread}`,
    left: false,
    epoch: 1,
    unread,
    verification: 'non-verified',
    mutedUntil: null,
    archived: false,
  };
}

describe('event hub', () => {
  it('announces each changed conversation once after a coalesced run, after the other events of the run', () => {
    const hub = new EventHub(silentLogger);
    const seen: string[] = [];
    hub.subscribe((event, payload) => seen.push(`${event} ${JSON.stringify(payload)}`));
    hub.coalescingChanges(() => {
      hub.emit('conversation.changed', { id: 'a' });
      hub.emit('device.removed', { id: 'd1' });
      hub.emit('conversation.changed', { id: 'b' });
      hub.emit('conversation.changed', { id: 'a' });
    });
    expect(seen).toEqual(['device.removed {"id":"d1"}', 'conversation.changed {"id":"a"}', 'conversation.changed {"id":"b"}']);

    // Outside a coalesced run every change goes out at once, as before.
    seen.length = 0;
    hub.emit('conversation.changed', { id: 'a' });
    hub.emit('conversation.changed', { id: 'a' });
    expect(seen).toEqual(['conversation.changed {"id":"a"}', 'conversation.changed {"id":"a"}']);
  });

  it('still announces the changes when the run throws', () => {
    const hub = new EventHub(silentLogger);
    const seen: string[] = [];
    hub.subscribe((event) => seen.push(event));
    expect(() =>
      hub.coalescingChanges(() => {
        hub.emit('conversation.changed', { id: 'a' });
        throw new Error('an announcement failed');
      }),
    ).toThrow('an announcement failed');
    expect(seen).toEqual(['conversation.changed']);
  });

  it('announces the last summary emitted for a conversation during a coalesced run', () => {
    const hub = new EventHub(silentLogger);
    const seen: unknown[] = [];
    hub.subscribe((_event, payload) => seen.push(payload));
    hub.coalescingChanges(() => {
      hub.emit('conversation.changed', { id: 'a', summary: summary(1) });
      hub.emit('conversation.changed', { id: 'a', summary: summary(2) });
    });
    expect(seen).toEqual([{ id: 'a', summary: summary(2) }]);
  });

  it("reads a changed conversation's row when the change leaves: at the end of a coalesced run, not when it was announced", () => {
    const hub = new EventHub(silentLogger);
    const seen: unknown[] = [];
    hub.subscribe((_event, payload) => seen.push(payload));
    let unread = 1;
    const read: string[] = [];
    hub.readSummariesWith((id) => {
      read.push(id);
      return id === 'a' ? summary(unread) : undefined;
    });
    hub.coalescingChanges(() => {
      hub.conversationChanged('a');
      unread = 2;
      hub.conversationChanged('a');
      hub.conversationChanged('self');
      expect(read).toEqual([]);
    });
    // One read per conversation, after the run; a conversation the list does not show goes without.
    expect(read).toEqual(['a', 'self']);
    expect(seen).toEqual([{ id: 'a', summary: summary(2) }, { id: 'self' }]);
  });

  it('sends changes without a row for every conversation, after the reader is detached, and when reading fails', () => {
    const hub = new EventHub(silentLogger);
    const seen: unknown[] = [];
    hub.subscribe((_event, payload) => seen.push(payload));
    const detach = hub.readSummariesWith(() => summary(1));
    hub.conversationChanged('*');
    const replaced = hub.readSummariesWith(() => {
      throw new Error('the store is closed');
    });
    detach(); // an old session's detach leaves the new reader alone
    hub.conversationChanged('a');
    replaced();
    hub.conversationChanged('a');
    expect(seen).toEqual([{ id: '*' }, { id: 'a' }, { id: 'a' }]);
  });
});
