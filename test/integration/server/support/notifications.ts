import { expect } from 'vitest';
import { NotificationPageSchema } from '../../../../protocol';
import type { Notification } from '../../../../protocol';
import type { Api } from './api';
import type { TestClient } from './users';

/** Every notification of a client's queue after `since`, following pages. */
export async function fetchNotifications(api: Api, client: TestClient, since = 0): Promise<Notification[]> {
  const all: Notification[] = [];
  let cursor = since;
  for (let page = 0; page < 1000; page += 1) {
    const response = await api.get(`/notifications?since=${cursor}&size=500`, { token: client.clientToken });
    expect(response.status, response.raw.toString()).toBe(200);
    const parsed = NotificationPageSchema.parse(response.body);
    all.push(...parsed.notifications);
    if (!parsed.hasMore) return all;
    cursor = parsed.notifications.at(-1)?.id ?? cursor;
  }
  throw new Error('too many pages');
}

export function eventTypes(notifications: readonly Notification[]): string[] {
  return notifications.map((notification) => notification.event.type);
}
