import { z } from 'zod';
import type { Notification } from '../../../protocol';
import type { ClientRef, Delivered, Fanout } from '../records';
import type { SqliteDatabase } from './database';
import { ClientRowSchema, parseRow, parseRows } from './rows';
import { prepared } from './statements';

const InsertedRowSchema = z.object({ id: z.number().int(), user_id: z.string(), client_id: z.string() });
const SeqRowSchema = z.object({ seq: z.number().int() });
const ReachRowSchema = z.object({ user_id: z.string(), client_id: z.string() });

/*
 * One statement appends the event to every target queue: the targets travel as a JSON array,
 * unregistered clients are filtered in SQL, and RETURNING hands back the new notification ids.
 */
const INSERT_QUEUE = `
  INSERT INTO queue (user_id, client_id, event_id, created_at)
  SELECT json_extract(t.value, '$[0]'), json_extract(t.value, '$[1]'), ?, ?
  FROM json_each(?) AS t
  WHERE EXISTS (SELECT 1 FROM clients c WHERE c.user_id = json_extract(t.value, '$[0]') AND c.id = json_extract(t.value, '$[1]'))
  ORDER BY t.key
  RETURNING id, user_id, client_id`;

/** The newest notification id handed out (queue rows and conversation log share one sequence). */
export function currentSequence(db: SqliteDatabase): number {
  return parseRow(SeqRowSchema, prepared(db, "SELECT seq FROM sqlite_sequence WHERE name = 'queue'").get())?.seq ?? 0;
}

/**
 * Takes the next id from the queue's AUTOINCREMENT sequence (SQLite allows updating
 * sqlite_sequence; the queue then continues above it), for a conversation log entry.
 */
function nextSequence(db: SqliteDatabase): number {
  const bumped = parseRow(SeqRowSchema, prepared(db, "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'queue' RETURNING seq").get());
  if (bumped) return bumped.seq;
  prepared(db, "INSERT INTO sqlite_sequence (name, seq) VALUES ('queue', 1)").run();
  return 1;
}

/**
 * Opens and closes devices' reach into a conversation's log so that it matches who should
 * receive its application messages now: registered devices in the MLS group whose user is a
 * member. Runs inside every transaction that changes a conversation.
 */
export function reconcileReach(db: SqliteDatabase, conversationId: string): void {
  const receivers = parseRows(
    ReachRowSchema,
    prepared(
      db,
      `SELECT g.user_id, g.client_id FROM group_clients g
       JOIN members m ON m.conv_id = g.conv_id AND m.user_id = g.user_id
       JOIN clients c ON c.user_id = g.user_id AND c.id = g.client_id
       WHERE g.conv_id = ?`,
    ).all(conversationId),
  );
  const open = parseRows(ReachRowSchema, prepared(db, 'SELECT user_id, client_id FROM conv_reach WHERE conv_id = ? AND to_id IS NULL').all(conversationId));
  const key = (row: { user_id: string; client_id: string }): string => `${row.user_id}/${row.client_id}`;
  const wanted = new Set(receivers.map(key));
  const present = new Set(open.map(key));
  const sequence = currentSequence(db);
  for (const row of open) {
    if (!wanted.has(key(row))) {
      prepared(db, 'UPDATE conv_reach SET to_id = ? WHERE conv_id = ? AND user_id = ? AND client_id = ? AND to_id IS NULL').run(sequence, conversationId, row.user_id, row.client_id);
    }
  }
  for (const row of receivers) {
    if (!present.has(key(row))) {
      prepared(db, 'INSERT INTO conv_reach (conv_id, user_id, client_id, from_id, to_id) VALUES (?, ?, ?, ?, NULL)').run(conversationId, row.user_id, row.client_id, sequence);
    }
  }
}

function logToConversation(db: SqliteDatabase, conversationId: string, fanout: Fanout, eventJson: string, now: number): Delivered[] {
  const sender = fanout.except;
  if (!sender) throw new Error('a conversation broadcast needs its sender');
  const eventId = Number(prepared(db, 'INSERT INTO events (payload, created_at) VALUES (?, ?)').run(eventJson, now).lastInsertRowid);
  const id = nextSequence(db);
  prepared(db, 'INSERT INTO conv_log (id, conv_id, sender_user, sender_client, event_id, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    id,
    conversationId,
    sender.userId,
    sender.clientId,
    eventId,
    now,
  );
  const notification: Notification = { id, time: new Date(now).toISOString(), event: fanout.event };
  return parseRows(ReachRowSchema, prepared(db, 'SELECT user_id, client_id FROM conv_reach WHERE conv_id = ? AND to_id IS NULL').all(conversationId))
    .filter((row) => !(row.user_id === sender.userId && row.client_id === sender.clientId))
    .map((row) => ({ target: { userId: row.user_id, clientId: row.client_id }, notification, eventJson }));
}

/**
 * Expands fan-outs to registered clients and appends one queue entry per client (or one log
 * entry per conversation broadcast). Must run inside the caller's transaction so that events
 * commit together with the change they describe.
 */
export function insertFanout(db: SqliteDatabase, fanouts: readonly Fanout[], now: number): Delivered[] {
  const delivered: Delivered[] = [];
  const time = new Date(now).toISOString();
  for (const fanout of fanouts) {
    const eventJson = JSON.stringify(fanout.event);
    if (fanout.conversation !== undefined) {
      delivered.push(...logToConversation(db, fanout.conversation, fanout, eventJson, now));
      continue;
    }
    const targets = new Map<string, ClientRef>();
    for (const client of fanout.clients ?? []) targets.set(`${client.userId}/${client.clientId}`, client);
    for (const userId of fanout.users ?? []) {
      for (const client of parseRows(ClientRowSchema, prepared(db, 'SELECT * FROM clients WHERE user_id = ? ORDER BY id').all(userId))) {
        targets.set(`${client.userId}/${client.id}`, { userId: client.userId, clientId: client.id });
      }
    }
    if (fanout.except) targets.delete(`${fanout.except.userId}/${fanout.except.clientId}`);
    if (targets.size === 0) continue;
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
