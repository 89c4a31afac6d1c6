import { z } from 'zod';
import type { Notification } from '../../../protocol';
import type { ClientRef, Delivered, Fanout } from '../records';
import type { SqliteDatabase } from './database';
import { ClientRowSchema, parseRows } from './rows';
import { prepared } from './statements';

const InsertedRowSchema = z.object({ id: z.number().int(), user_id: z.string(), client_id: z.string() });

/*
 * One statement appends the event to every target queue: the targets travel as a JSON array,
 * unregistered clients are filtered in SQL, and RETURNING hands back the new notification ids.
 * A 100-device fan-out is one statement instead of two hundred.
 */
const INSERT_QUEUE = `
  INSERT INTO queue (user_id, client_id, event_id, created_at)
  SELECT json_extract(t.value, '$[0]'), json_extract(t.value, '$[1]'), ?, ?
  FROM json_each(?) AS t
  WHERE EXISTS (SELECT 1 FROM clients c WHERE c.user_id = json_extract(t.value, '$[0]') AND c.id = json_extract(t.value, '$[1]'))
  ORDER BY t.key
  RETURNING id, user_id, client_id`;

/**
 * Expands fan-outs to registered clients and appends one queue entry per client. Must run
 * inside the caller's transaction so that events commit together with the change they describe.
 */
export function insertFanout(db: SqliteDatabase, fanouts: readonly Fanout[], now: number): Delivered[] {
  const delivered: Delivered[] = [];
  const time = new Date(now).toISOString();
  for (const fanout of fanouts) {
    const targets = new Map<string, ClientRef>();
    for (const client of fanout.clients ?? []) targets.set(`${client.userId}/${client.clientId}`, client);
    for (const userId of fanout.users ?? []) {
      for (const client of parseRows(ClientRowSchema, prepared(db, 'SELECT * FROM clients WHERE user_id = ? ORDER BY id').all(userId))) {
        targets.set(`${client.userId}/${client.id}`, { userId: client.userId, clientId: client.id });
      }
    }
    if (fanout.except) targets.delete(`${fanout.except.userId}/${fanout.except.clientId}`);
    if (targets.size === 0) continue;
    const eventJson = JSON.stringify(fanout.event);
    const eventId = Number(prepared(db, 'INSERT INTO events (payload, created_at) VALUES (?, ?)').run(eventJson, now).lastInsertRowid);
    const list = JSON.stringify([...targets.values()].map((target) => [target.userId, target.clientId]));
    const rows = parseRows(InsertedRowSchema, prepared(db, INSERT_QUEUE).all(eventId, now, list));
    for (const row of rows) {
      const notification: Notification = { id: row.id, time, event: fanout.event };
      delivered.push({ target: { userId: row.user_id, clientId: row.client_id }, notification, eventJson });
    }
  }
  delivered.sort((a, b) => a.notification.id - b.notification.id);
  return delivered;
}
