import { z } from 'zod';
import type { Notification } from '../../../protocol';
import type { ClientRef, Delivered, Fanout } from '../records';
import { parseRows } from '../sqlite/rows';
import type { Queryable } from './database';
import type { InstanceEvent } from '../../notifications/instanceEvents';
import { HUB_CHANNEL } from '../../notifications/instanceEvents';

const InsertedRowSchema = z.object({ id: z.number().int(), user_id: z.string(), client_id: z.string() });
const SeqRowSchema = z.object({ seq: z.number().int() });
const IdRowSchema = z.object({ id: z.number().int() });
const ReachRowSchema = z.object({ user_id: z.string(), client_id: z.string() });

/*
 * The ordering rule of notification ids in PostgreSQL.
 *
 * A device reads its notifications with a cursor: "everything after id N" (the `since` of
 * `GET /notifications`, the WebSocket's replay, and the client skips any id at or below the last
 * it stored). So an id, once a reader can see it, must never be followed by a smaller id
 * becoming visible later — or that smaller notification is skipped for good.
 *
 * Ids come from one sequence (the queue's identity sequence; conversation log entries take
 * theirs from it too, as in SQLite, so a device's queue rows and log entries share one order).
 * A sequence alone is NOT enough: `nextval` hands out 10 to transaction A and 11 to B, B commits
 * first, a reader sees 11 and moves its cursor past 10, then A commits 10.
 *
 * So every transaction that takes ids (or reads the sequence to open or close a device's reach
 * into a conversation log) first takes one transaction-scoped advisory lock,
 * `pg_advisory_xact_lock(NOTIFICATION_ORDER_LOCK)`, and holds it until it commits or rolls back.
 * While one transaction holds it no other can take an id, so ids commit in the order they were
 * handed out; and PostgreSQL makes a commit visible before it releases the transaction's locks,
 * so the next holder's ids are all above every id a reader can already see. A reader's snapshot
 * therefore always holds a prefix of the ids (with gaps only where a transaction rolled back),
 * and the cursor is safe. The lock lives in the database, so it holds across server instances
 * as well. The cost: transactions that notify commit one at a time (as SQLite's single writer
 * does); the lock is taken as late as possible (after each transaction's reads, row locks and
 * planning) to keep the section short.
 *
 * Deadlock rule: after taking the lock a transaction never waits for a row lock held by a
 * transaction that does not hold it — every write to the queue, the log, reach ranges and
 * device rows happens under the lock, and row locks on conversations are taken before it.
 */

/** Any fixed number, distinct from the migration lock (database.ts). */
const NOTIFICATION_ORDER_LOCK = 0x6361_6971;

/** Takes the notification order lock for the rest of the transaction (see above). */
export async function lockNotificationOrder(client: Queryable): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [NOTIFICATION_ORDER_LOCK]);
}

/**
 * The newest notification id handed out (0 before the first). Read under the order lock, so no
 * other transaction is taking ids at the same time.
 */
async function currentSequence(client: Queryable): Promise<number> {
  const result = await client.query(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM queue_id_seq`);
  return SeqRowSchema.parse(result.rows[0]).seq;
}

/**
 * Opens and closes devices' reach into a conversation's log so that it matches who should
 * receive its application messages now (as sqlite/queue.ts). Runs under the order lock, inside
 * the transaction that changed the conversation (which holds the conversation's row lock).
 */
export async function reconcileReach(client: Queryable, conversationId: string): Promise<void> {
  const receivers = parseRows(
    ReachRowSchema,
    (
      await client.query(
        `SELECT g.user_id, g.client_id FROM group_clients g
         JOIN members m ON m.conv_id = g.conv_id AND m.user_id = g.user_id
         JOIN clients c ON c.user_id = g.user_id AND c.id = g.client_id
         WHERE g.conv_id = $1`,
        [conversationId],
      )
    ).rows,
  );
  const open = parseRows(ReachRowSchema, (await client.query('SELECT user_id, client_id FROM conv_reach WHERE conv_id = $1 AND to_id IS NULL', [conversationId])).rows);
  const key = (row: { user_id: string; client_id: string }): string => `${row.user_id}/${row.client_id}`;
  const wanted = new Set(receivers.map(key));
  const present = new Set(open.map(key));
  const closing = open.filter((row) => !wanted.has(key(row)));
  const opening = receivers.filter((row) => !present.has(key(row)));
  if (closing.length === 0 && opening.length === 0) return;
  const sequence = await currentSequence(client);
  if (closing.length > 0) {
    await client.query(
      `UPDATE conv_reach SET to_id = $1 FROM unnest($3::text[], $4::text[]) AS t(user_id, client_id)
       WHERE conv_reach.conv_id = $2 AND conv_reach.user_id = t.user_id AND conv_reach.client_id = t.client_id AND conv_reach.to_id IS NULL`,
      [sequence, conversationId, closing.map((row) => row.user_id), closing.map((row) => row.client_id)],
    );
  }
  if (opening.length > 0) {
    await client.query(
      `INSERT INTO conv_reach (conv_id, user_id, client_id, from_id, to_id)
       SELECT $1, t.user_id, t.client_id, $2, NULL FROM unnest($3::text[], $4::text[]) AS t(user_id, client_id)`,
      [conversationId, sequence, opening.map((row) => row.user_id), opening.map((row) => row.client_id)],
    );
  }
}

/**
 * Tells every server instance (server/notifications/instances.ts) that the ids `first`…`last`
 * were stored, by NOTIFY on the hub channel inside the transaction: PostgreSQL delivers it only
 * if the transaction commits, and delivers notifications of different transactions in the order
 * they committed, which the order lock makes the order of their ids. The payload carries ids
 * only; each instance reads the rows for the devices it holds.
 */
async function announceStored(client: Queryable, first: number, last: number): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [HUB_CHANNEL, JSON.stringify({ kind: 'stored', first, last } satisfies InstanceEvent)]);
}

async function insertEvent(client: Queryable, eventJson: string, now: number): Promise<number> {
  return IdRowSchema.parse((await client.query('INSERT INTO events (payload, created_at) VALUES ($1, $2) RETURNING id', [eventJson, now])).rows[0]).id;
}

async function logToConversation(client: Queryable, conversationId: string, fanout: Fanout, eventJson: string, now: number, taken: number[]): Promise<Delivered[]> {
  const sender = fanout.except;
  if (!sender) throw new Error('a conversation broadcast needs its sender');
  const eventId = await insertEvent(client, eventJson, now);
  const inserted = await client.query(
    `INSERT INTO conv_log (id, conv_id, sender_user, sender_client, event_id, created_at)
     VALUES (nextval('queue_id_seq'), $1, $2, $3, $4, $5) RETURNING id`,
    [conversationId, sender.userId, sender.clientId, eventId, now],
  );
  const id = IdRowSchema.parse(inserted.rows[0]).id;
  taken.push(id);
  const notification: Notification = { id, time: new Date(now).toISOString(), event: fanout.event };
  const reach = parseRows(ReachRowSchema, (await client.query('SELECT user_id, client_id FROM conv_reach WHERE conv_id = $1 AND to_id IS NULL', [conversationId])).rows);
  return reach
    .filter((row) => !(row.user_id === sender.userId && row.client_id === sender.clientId))
    .map((row) => ({ target: { userId: row.user_id, clientId: row.client_id }, notification, eventJson }));
}

/**
 * Expands fan-outs to registered clients and appends one queue entry per client (or one log
 * entry per conversation broadcast), as sqlite/queue.ts does. Takes the order lock; must run
 * inside the caller's transaction so that events commit together with the change they describe.
 */
export async function insertFanout(client: Queryable, fanouts: readonly Fanout[], now: number): Promise<Delivered[]> {
  const delivered: Delivered[] = [];
  if (fanouts.length === 0) return delivered;
  await lockNotificationOrder(client);
  const time = new Date(now).toISOString();
  const taken: number[] = [];
  for (const fanout of fanouts) {
    const eventJson = JSON.stringify(fanout.event);
    if (fanout.conversation !== undefined) {
      delivered.push(...(await logToConversation(client, fanout.conversation, fanout, eventJson, now, taken)));
      continue;
    }
    const targets = new Map<string, ClientRef>();
    for (const target of fanout.clients ?? []) targets.set(`${target.userId}/${target.clientId}`, target);
    if (fanout.users !== undefined && fanout.users.length > 0) {
      const rows = parseRows(ReachRowSchema, (await client.query('SELECT user_id, id AS client_id FROM clients WHERE user_id = ANY($1::text[]) ORDER BY user_id, id', [fanout.users])).rows);
      for (const row of rows) targets.set(`${row.user_id}/${row.client_id}`, { userId: row.user_id, clientId: row.client_id });
    }
    if (fanout.except) targets.delete(`${fanout.except.userId}/${fanout.except.clientId}`);
    if (targets.size === 0) continue;
    const eventId = await insertEvent(client, eventJson, now);
    const list = [...targets.values()];
    // One statement for every target: unregistered clients are filtered in SQL, and the ids come
    // out in the order of the list.
    const inserted = await client.query(
      `INSERT INTO queue (user_id, client_id, event_id, created_at)
       SELECT t.user_id, t.client_id, $1, $2 FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(user_id, client_id, n)
       WHERE EXISTS (SELECT 1 FROM clients c WHERE c.user_id = t.user_id AND c.id = t.client_id)
       ORDER BY t.n
       RETURNING id, user_id, client_id`,
      [eventId, now, list.map((target) => target.userId), list.map((target) => target.clientId)],
    );
    for (const row of parseRows(InsertedRowSchema, inserted.rows)) {
      const notification: Notification = { id: row.id, time, event: fanout.event };
      delivered.push({ target: { userId: row.user_id, clientId: row.client_id }, notification, eventJson });
      taken.push(row.id);
    }
  }
  if (taken.length > 0) await announceStored(client, taken.reduce((a, b) => Math.min(a, b)), taken.reduce((a, b) => Math.max(a, b)));
  delivered.sort((a, b) => a.notification.id - b.notification.id);
  return delivered;
}
