import { z } from 'zod';
import type { Notification } from '../../../protocol';
import type { ClientRef, Delivered, Fanout, NotificationPage } from '../records';
import type { NotificationRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { insertFanout } from './queue';
import { parseRow, parseRows, QueueRowSchema, StoredEventSchema } from './rows';
import { prepared } from './statements';

const StateRowSchema = z.object({ acked_up_to: z.number().int(), expired_up_to: z.number().int() });
const MaxRowSchema = z.object({ id: z.number().int().nullable() });
const ExpiredRowSchema = z.object({ user_id: z.string(), client_id: z.string(), max_id: z.number().int() });

/*
 * A device's notifications are its own queue rows plus the log entries of every conversation it
 * reaches (its id range there), minus what it sent itself, in one id order.
 */
const PAGE = `
  SELECT u.id, u.created_at, e.payload FROM (
    SELECT q.id AS id, q.created_at AS created_at, q.event_id AS event_id FROM queue q
    WHERE q.user_id = @user AND q.client_id = @client AND q.id > @since
    UNION ALL
    SELECT l.id, l.created_at, l.event_id FROM conv_reach r
    JOIN conv_log l ON l.conv_id = r.conv_id AND l.id > r.from_id AND (r.to_id IS NULL OR l.id <= r.to_id)
    WHERE r.user_id = @user AND r.client_id = @client AND l.id > @since
      AND NOT (l.sender_user = @user AND l.sender_client = @client)
  ) AS u JOIN events e ON e.id = u.event_id
  ORDER BY u.id LIMIT @limit`;

const LAST = `
  SELECT max(id) AS id FROM (
    SELECT max(q.id) AS id FROM queue q WHERE q.user_id = @user AND q.client_id = @client
    UNION ALL
    SELECT max(l.id) FROM conv_reach r
    JOIN conv_log l ON l.conv_id = r.conv_id AND l.id > r.from_id AND (r.to_id IS NULL OR l.id <= r.to_id)
    WHERE r.user_id = @user AND r.client_id = @client AND NOT (l.sender_user = @user AND l.sender_client = @client)
  )`;

/** Per device, the newest expiring notification it had not acknowledged: it must resync. */
const EXPIRED = `
  SELECT user_id, client_id, max(max_id) AS max_id FROM (
    SELECT q.user_id AS user_id, q.client_id AS client_id, max(q.id) AS max_id FROM queue q
    LEFT JOIN queue_state s ON s.user_id = q.user_id AND s.client_id = q.client_id
    WHERE q.created_at < @cutoff AND q.id > coalesce(s.acked_up_to, 0)
    GROUP BY q.user_id, q.client_id
    UNION ALL
    SELECT r.user_id, r.client_id, max(l.id) FROM conv_reach r
    JOIN conv_log l ON l.conv_id = r.conv_id AND l.id > r.from_id AND (r.to_id IS NULL OR l.id <= r.to_id)
    LEFT JOIN queue_state s ON s.user_id = r.user_id AND s.client_id = r.client_id
    WHERE l.created_at < @cutoff AND l.id > coalesce(s.acked_up_to, 0)
      AND NOT (l.sender_user = r.user_id AND l.sender_client = r.client_id)
    GROUP BY r.user_id, r.client_id
  ) GROUP BY user_id, client_id`;

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
        prepared(this.db, PAGE).all({ user: client.userId, client: client.clientId, since, limit: size + 1 }),
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
        expiredUpTo: state?.expired_up_to ?? 0,
      };
    });
    return read();
  }

  async last(client: ClientRef): Promise<number> {
    return MaxRowSchema.parse(prepared(this.db, LAST).get({ user: client.userId, client: client.clientId })).id ?? 0;
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
      const expired = parseRows(ExpiredRowSchema, prepared(this.db, EXPIRED).all({ cutoff: olderThan }));
      const mark = prepared(
        this.db,
        `INSERT INTO queue_state (user_id, client_id, expired_up_to) VALUES (?, ?, ?)
         ON CONFLICT (user_id, client_id) DO UPDATE SET expired_up_to = max(expired_up_to, excluded.expired_up_to)`,
      );
      for (const row of expired) mark.run(row.user_id, row.client_id, row.max_id);
      const removed =
        prepared(this.db, 'DELETE FROM queue WHERE created_at < ?').run(olderThan).changes +
        prepared(this.db, 'DELETE FROM conv_log WHERE created_at < ?').run(olderThan).changes;
      // Closed reach ranges that no longer cover any log entry are of no use.
      prepared(
        this.db,
        `DELETE FROM conv_reach WHERE to_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM conv_log l WHERE l.conv_id = conv_reach.conv_id AND l.id > conv_reach.from_id AND l.id <= conv_reach.to_id)`,
      ).run();
      prepared(
        this.db,
        'DELETE FROM events WHERE created_at < ? AND id NOT IN (SELECT event_id FROM queue) AND id NOT IN (SELECT event_id FROM conv_log)',
      ).run(olderThan);
      return removed;
    })();
  }
}
