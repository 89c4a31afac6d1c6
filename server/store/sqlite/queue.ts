import type { Notification } from '../../../protocol';
import type { ClientRef, Delivered, Fanout } from '../records';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { ClientRowSchema, parseRows } from './rows';

/**
 * Expands fan-outs to registered clients and appends one queue entry per client. Must run
 * inside the caller's transaction so that events commit together with the change they describe.
 */
export function insertFanout(db: SqliteDatabase, fanouts: readonly Fanout[], now: number): Delivered[] {
  const insertEvent = prepared(db, 'INSERT INTO events (payload, created_at) VALUES (?, ?)');
  const insertQueue = prepared(db, 'INSERT INTO queue (user_id, client_id, event_id, created_at) VALUES (?, ?, ?, ?)');
  const clientExists = prepared(db, 'SELECT 1 FROM clients WHERE user_id = ? AND id = ?');
  const clientsOf = prepared(db, 'SELECT * FROM clients WHERE user_id = ? ORDER BY id');
  const delivered: Delivered[] = [];
  const time = new Date(now).toISOString();
  for (const fanout of fanouts) {
    const targets = new Map<string, ClientRef>();
    for (const client of fanout.clients ?? []) {
      if (clientExists.get(client.userId, client.clientId) !== undefined) {
        targets.set(`${client.userId}/${client.clientId}`, client);
      }
    }
    for (const userId of fanout.users ?? []) {
      for (const client of parseRows(ClientRowSchema, clientsOf.all(userId))) {
        targets.set(`${client.userId}/${client.id}`, { userId: client.userId, clientId: client.id });
      }
    }
    if (fanout.except) targets.delete(`${fanout.except.userId}/${fanout.except.clientId}`);
    if (targets.size === 0) continue;
    const eventId = Number(insertEvent.run(JSON.stringify(fanout.event), now).lastInsertRowid);
    for (const target of targets.values()) {
      const id = Number(insertQueue.run(target.userId, target.clientId, eventId, now).lastInsertRowid);
      const notification: Notification = { id, time, event: fanout.event };
      delivered.push({ target, notification });
    }
  }
  return delivered;
}
