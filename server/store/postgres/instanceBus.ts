import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { z } from 'zod';
import type { Notification } from '../../../protocol';
import type { InstanceBus, InstanceEvent } from '../../notifications/instanceEvents';
import { HUB_CHANNEL, InstanceEventSchema } from '../../notifications/instanceEvents';
import type { Delivered } from '../records';
import { parseRows, StoredEventSchema } from '../sqlite/rows';
import type { PgDatabase } from './database';

const StoredRowSchema = z.object({ id: z.number().int(), user_id: z.string(), client_id: z.string(), created_at: z.number().int(), payload: z.string() });

/**
 * The rows of a committed id range and whom each is for: the range's queue rows, and its
 * conversation log entries for every device whose reach covers them but the sender (the same
 * rule as `page` in notifications.ts, so a push and a replay agree).
 */
const STORED = `
  SELECT u.id, u.user_id, u.client_id, u.created_at, e.payload FROM (
    SELECT q.id AS id, q.user_id AS user_id, q.client_id AS client_id, q.created_at AS created_at, q.event_id AS event_id FROM queue q
    WHERE q.id BETWEEN $1 AND $2
    UNION ALL
    SELECT l.id, r.user_id, r.client_id, l.created_at, l.event_id FROM conv_log l
    JOIN conv_reach r ON r.conv_id = l.conv_id AND l.id > r.from_id AND (r.to_id IS NULL OR l.id <= r.to_id)
    WHERE l.id BETWEEN $1 AND $2 AND NOT (r.user_id = l.sender_user AND r.client_id = l.sender_client)
  ) AS u JOIN events e ON e.id = u.event_id
  ORDER BY u.id, u.user_id, u.client_id`;

const RECONNECT_MS = 1000;

/**
 * The channel between server instances on one PostgreSQL database: LISTEN on one connection of
 * its own (a pooled connection would lose the LISTEN when it goes back to the pool), NOTIFY and
 * reads through the pool. See server/notifications/instances.ts for the ordering argument.
 */
export class PgInstanceBus implements InstanceBus {
  private listener: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly pool: PgDatabase,
  ) {}

  async listen(handlers: Readonly<{ event(event: InstanceEvent): void; lost(): void }>): Promise<void> {
    await this.connect(handlers);
  }

  private async connect(handlers: Readonly<{ event(event: InstanceEvent): void; lost(): void }>): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel !== HUB_CHANNEL || message.payload === undefined) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.payload);
      } catch {
        return;
      }
      const event = InstanceEventSchema.safeParse(parsed);
      if (event.success) handlers.event(event.data);
    });
    let lost = false;
    const onLost = (): void => {
      if (lost || this.closed) return;
      lost = true;
      handlers.lost();
      void this.reconnect(handlers);
    };
    client.on('error', onLost);
    client.on('end', onLost);
    await client.connect();
    await client.query(`LISTEN ${HUB_CHANNEL}`);
    this.listener = client;
  }

  /** Tries again every second until listening again (or closed); the hub already asked its devices to reconnect. */
  private async reconnect(handlers: Readonly<{ event(event: InstanceEvent): void; lost(): void }>): Promise<void> {
    const old = this.listener;
    this.listener = undefined;
    await old?.end().catch(() => undefined);
    while (!this.closed) {
      await sleep(RECONNECT_MS);
      if (this.closed) return;
      try {
        await this.connect(handlers);
        // Announcements sent while nobody listened are gone: devices that connected meanwhile catch up too.
        handlers.lost();
        return;
      } catch {
        // The database is still away; try again.
      }
    }
  }

  async publish(event: InstanceEvent): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [HUB_CHANNEL, JSON.stringify(event)]);
  }

  async readStored(first: number, last: number): Promise<readonly Delivered[]> {
    const rows = parseRows(StoredRowSchema, (await this.pool.query(STORED, [first, last])).rows);
    const delivered: Delivered[] = [];
    let notification: Notification | undefined;
    for (const row of rows) {
      if (notification?.id !== row.id) notification = { id: row.id, time: new Date(row.created_at).toISOString(), event: StoredEventSchema.parse(row.payload) };
      delivered.push({ target: { userId: row.user_id, clientId: row.client_id }, notification, eventJson: row.payload });
    }
    return delivered;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }
}
