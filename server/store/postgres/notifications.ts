import { z } from 'zod';
import type { Notification } from '../../../protocol';
import type { ClientRef, Delivered, Fanout, NotificationPage } from '../records';
import type { NotificationRepository } from '../repositories';
import { parseRow, parseRows, QueueRowSchema, StoredEventSchema } from '../sqlite/rows';
import type { PgDatabase } from './database';
import { inTransaction } from './database';
import { insertFanout } from './queue';

const StateRowSchema = z.object({ acked_up_to: z.number().int(), expired_up_to: z.number().int() });
const MaxRowSchema = z.object({ id: z.number().int().nullable() });
const ExpiredRowSchema = z.object({ user_id: z.string(), client_id: z.string(), max_id: z.number().int() });

/*
 * The same queries as sqlite/notifications.ts. A device's notifications are its own queue rows
 * plus the log entries of every conversation it reaches (its id range there), minus what it sent
 * itself, in one id order; queue.ts says why a reader never sees an id before a smaller one.
 */
const PAGE = `
  SELECT u.id, u.created_at, e.payload FROM (
    SELECT q.id AS id, q.created_at AS created_at, q.event_id AS event_id FROM queue q
    WHERE q.user_id = $1 AND q.client_id = $2 AND q.id > $3
    UNION ALL
    SELECT l.id, l.created_at, l.event_id FROM conv_reach r
    JOIN conv_log l ON l.conv_id = r.conv_id AND l.id > r.from_id AND (r.to_id IS NULL OR l.id <= r.to_id)
    WHERE r.user_id = $1 AND r.client_id = $2 AND l.id > $3
      AND NOT (l.sender_user = $1 AND l.sender_client = $2)
  ) AS u JOIN events e ON e.id = u.event_id
  ORDER BY u.id LIMIT $4`;

const LAST = `
  SELECT max(id) AS id FROM (
    SELECT max(q.id) AS id FROM queue q WHERE q.user_id = $1 AND q.client_id = $2
    UNION ALL
    SELECT max(l.id) FROM conv_reach r
    JOIN conv_log l ON l.conv_id = r.conv_id AND l.id > r.from_id AND (r.to_id IS NULL OR l.id <= r.to_id)
    WHERE r.user_id = $1 AND r.client_id = $2 AND NOT (l.sender_user = $1 AND l.sender_client = $2)
  ) AS u`;

/** Per device, the newest expiring notification it had not acknowledged: it must resync. */
const EXPIRED = `
  SELECT user_id, client_id, max(max_id) AS max_id FROM (
    SELECT q.user_id AS user_id, q.client_id AS client_id, max(q.id) AS max_id FROM queue q
    LEFT JOIN queue_state s ON s.user_id = q.user_id AND s.client_id = q.client_id
    WHERE q.created_at < $1 AND q.id > coalesce(s.acked_up_to, 0)
    GROUP BY q.user_id, q.client_id
    UNION ALL
    SELECT r.user_id, r.client_id, max(l.id) FROM conv_reach r
    JOIN conv_log l ON l.conv_id = r.conv_id AND l.id > r.from_id AND (r.to_id IS NULL OR l.id <= r.to_id)
    LEFT JOIN queue_state s ON s.user_id = r.user_id AND s.client_id = r.client_id
    WHERE l.created_at < $1 AND l.id > coalesce(s.acked_up_to, 0)
      AND NOT (l.sender_user = r.user_id AND l.sender_client = r.client_id)
    GROUP BY r.user_id, r.client_id
  ) AS u GROUP BY user_id, client_id`;

/** Per-device notification queues in PostgreSQL: the same tables and answers as sqlite/notifications.ts. */
export class PgNotificationRepository implements NotificationRepository {
  constructor(private readonly db: PgDatabase) {}

  async enqueue(fanouts: readonly Fanout[], now: number): Promise<readonly Delivered[]> {
    return inTransaction(this.db, (tx) => insertFanout(tx, fanouts, now));
  }

  /** The queue state and the page are read in one snapshot (REPEATABLE READ), as SQLite reads them in one transaction. */
  async page(client: ClientRef, since: number, size: number): Promise<NotificationPage> {
    return inTransaction(
      this.db,
      async (tx): Promise<NotificationPage> => {
        const state = parseRow(
          StateRowSchema,
          (await tx.query('SELECT acked_up_to, expired_up_to FROM queue_state WHERE user_id = $1 AND client_id = $2', [client.userId, client.clientId])).rows[0],
        );
        const rows = parseRows(QueueRowSchema, (await tx.query(PAGE, [client.userId, client.clientId, since, size + 1])).rows);
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
      },
      'REPEATABLE READ',
    );
  }

  async last(client: ClientRef): Promise<number> {
    return MaxRowSchema.parse((await this.db.query(LAST, [client.userId, client.clientId])).rows[0]).id ?? 0;
  }

  /** One statement for all acks; GREATEST keeps an acknowledgement from ever going down. */
  async ack(acks: readonly Readonly<{ client: ClientRef; upTo: number }>[]): Promise<void> {
    if (acks.length === 0) return;
    // One row per device (the highest), since ON CONFLICT cannot touch a row twice in one statement.
    const highest = new Map<string, Readonly<{ client: ClientRef; upTo: number }>>();
    for (const each of acks) {
      const key = `${each.client.userId}/${each.client.clientId}`;
      const seen = highest.get(key);
      if (seen === undefined || seen.upTo < each.upTo) highest.set(key, each);
    }
    const list = [...highest.values()];
    await this.db.query(
      `INSERT INTO queue_state (user_id, client_id, acked_up_to)
       SELECT t.user_id, t.client_id, t.up_to FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(user_id, client_id, up_to)
       ON CONFLICT (user_id, client_id) DO UPDATE SET acked_up_to = GREATEST(queue_state.acked_up_to, excluded.acked_up_to)`,
      [list.map((each) => each.client.userId), list.map((each) => each.client.clientId), list.map((each) => each.upTo)],
    );
  }

  async prune(olderThan: number): Promise<number> {
    return inTransaction(this.db, async (tx): Promise<number> => {
      const expired = parseRows(ExpiredRowSchema, (await tx.query(EXPIRED, [olderThan])).rows);
      if (expired.length > 0) {
        await tx.query(
          `INSERT INTO queue_state (user_id, client_id, expired_up_to)
           SELECT t.user_id, t.client_id, t.max_id FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(user_id, client_id, max_id)
           ON CONFLICT (user_id, client_id) DO UPDATE SET expired_up_to = GREATEST(queue_state.expired_up_to, excluded.expired_up_to)`,
          [expired.map((row) => row.user_id), expired.map((row) => row.client_id), expired.map((row) => row.max_id)],
        );
      }
      const removed =
        ((await tx.query('DELETE FROM queue WHERE created_at < $1', [olderThan])).rowCount ?? 0) +
        ((await tx.query('DELETE FROM conv_log WHERE created_at < $1', [olderThan])).rowCount ?? 0);
      // Closed reach ranges that no longer cover any log entry are of no use.
      await tx.query(
        `DELETE FROM conv_reach WHERE to_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM conv_log l WHERE l.conv_id = conv_reach.conv_id AND l.id > conv_reach.from_id AND l.id <= conv_reach.to_id)`,
      );
      await tx.query(
        `DELETE FROM events e WHERE e.created_at < $1
           AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.event_id = e.id) AND NOT EXISTS (SELECT 1 FROM conv_log l WHERE l.event_id = e.id)`,
        [olderThan],
      );
      return removed;
    });
  }
}
