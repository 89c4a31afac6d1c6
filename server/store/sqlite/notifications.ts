import { z } from 'zod';
import type { Notification } from '../../../protocol';
import type { ClientRef, Delivered, Fanout, NotificationPage } from '../records';
import type { NotificationRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { insertFanout } from './queue';
import { parseRow, parseRows, QueueRowSchema, StoredEventSchema } from './rows';

const StateRowSchema = z.object({ acked_up_to: z.number().int(), expired_up_to: z.number().int() });
const MaxRowSchema = z.object({ id: z.number().int().nullable() });
const ExpiredRowSchema = z.object({ user_id: z.string(), client_id: z.string(), max_id: z.number().int() });

export class SqliteNotificationRepository implements NotificationRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async enqueue(fanouts: readonly Fanout[], now: number): Promise<readonly Delivered[]> {
    return this.db.transaction(() => insertFanout(this.db, fanouts, now))();
  }

  async page(client: ClientRef, since: number, size: number): Promise<NotificationPage> {
    const read = this.db.transaction((): NotificationPage => {
      const state = parseRow(
        StateRowSchema,
        prepared(this.db, 'SELECT acked_up_to, expired_up_to FROM queue_state WHERE user_id = ? AND client_id = ?').get(client.userId, client.clientId),
      );
      const rows = parseRows(
        QueueRowSchema,
        prepared(this.db, `SELECT q.id, q.created_at, e.payload FROM queue q JOIN events e ON e.id = q.event_id
             WHERE q.user_id = ? AND q.client_id = ? AND q.id > ? ORDER BY q.id LIMIT ?`,
          )
          .all(client.userId, client.clientId, since, size + 1),
      );
      const notifications: Notification[] = rows.slice(0, size).map((row) => ({
        id: row.id,
        time: new Date(row.created_at).toISOString(),
        event: StoredEventSchema.parse(row.payload),
      }));
      return {
        notifications,
        hasMore: rows.length > size,
        resyncRequired: state !== undefined && since < state.expired_up_to,
      };
    });
    return read();
  }

  async last(client: ClientRef): Promise<number> {
    const row = MaxRowSchema.parse(
      prepared(this.db, 'SELECT max(id) AS id FROM queue WHERE user_id = ? AND client_id = ?').get(client.userId, client.clientId),
    );
    return row.id ?? 0;
  }

  async ack(acks: readonly Readonly<{ client: ClientRef; upTo: number }>[]): Promise<void> {
    this.db.transaction(() => {
      const upsert = prepared(
        this.db,
        `INSERT INTO queue_state (user_id, client_id, acked_up_to) VALUES (?, ?, ?)
         ON CONFLICT (user_id, client_id) DO UPDATE SET acked_up_to = max(acked_up_to, excluded.acked_up_to)`,
      );
      for (const { client, upTo } of acks) upsert.run(client.userId, client.clientId, upTo);
    })();
  }

  async prune(olderThan: number): Promise<number> {
    return this.db.transaction((): number => {
      const expired = parseRows(
        ExpiredRowSchema,
        prepared(this.db, `SELECT q.user_id, q.client_id, max(q.id) AS max_id FROM queue q
             LEFT JOIN queue_state s ON s.user_id = q.user_id AND s.client_id = q.client_id
             WHERE q.created_at < ? AND q.id > coalesce(s.acked_up_to, 0)
             GROUP BY q.user_id, q.client_id`,
          )
          .all(olderThan),
      );
      const mark = prepared(this.db, 
        `INSERT INTO queue_state (user_id, client_id, expired_up_to) VALUES (?, ?, ?)
         ON CONFLICT (user_id, client_id) DO UPDATE SET expired_up_to = max(expired_up_to, excluded.expired_up_to)`,
      );
      for (const row of expired) mark.run(row.user_id, row.client_id, row.max_id);
      const removed = prepared(this.db, 'DELETE FROM queue WHERE created_at < ?').run(olderThan).changes;
      prepared(this.db, 'DELETE FROM events WHERE created_at < ? AND id NOT IN (SELECT event_id FROM queue)').run(olderThan);
      return removed;
    })();
  }
}
