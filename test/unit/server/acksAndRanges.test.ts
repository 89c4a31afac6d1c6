import { describe, expect, it } from 'vitest';
import { AckBuffer } from '../../../server/notifications/acks';
import { parseRange } from '../../../server/routes/assets';
import type { ClientRef } from '../../../server/store/records';
import type { NotificationRepository } from '../../../server/store/repositories';

describe('ack buffer', () => {
  it('writes only the highest ack per device, in one batch', async () => {
    const batches: Array<readonly { client: ClientRef; upTo: number }[]> = [];
    const repository: NotificationRepository = {
      enqueue: async () => [],
      page: async () => ({ notifications: [], hasMore: false, resyncRequired: false, expiredUpTo: 0 }),
      last: async () => 0,
      ack: async (acks) => {
        batches.push(acks);
      },
      prune: async () => 0,
    };
    const buffer = new AckBuffer(repository, 60_000, () => undefined);
    const ada = { userId: 'ada', clientId: 'a1' };
    const bob = { userId: 'bob', clientId: 'b1' };
    buffer.record(ada, 5);
    buffer.record(ada, 9);
    buffer.record(ada, 7);
    buffer.record(bob, 3);
    await buffer.flush();
    await buffer.flush();
    expect(batches).toEqual([[{ client: ada, upTo: 9 }, { client: bob, upTo: 3 }]]);
  });
});

describe('byte ranges', () => {
  it('reads single ranges and refuses ones outside the asset', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-2', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
  });
});
