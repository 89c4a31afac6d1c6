import { z } from 'zod';
import type { Prekey } from '../../../protocol';
import { LAST_RESORT_PREKEY_ID } from '../../../protocol';
import type { ClientRecord, Delivered, Fanout } from '../records';
import type { AddClientOutcome, ClientRepository } from '../repositories';
import { ClientRowSchema, CountRowSchema, parseRow, parseRows } from '../sqlite/rows';
import type { PgDatabase, Queryable } from './database';
import { inTransaction } from './database';
import { insertFanout, lockNotificationOrder } from './queue';

const PrekeyRowSchema = z.object({ id: z.number().int(), key: z.string() });

/** Devices and their Proteus prekeys in PostgreSQL: the same tables and answers as sqlite/clients.ts. */
export class PgClientRepository implements ClientRepository {
  constructor(private readonly db: PgDatabase) {}

  /**
   * The user's row is locked first, so two registrations at once cannot both see room for one
   * more permanent device (or both keep the old temporary one). The notification order lock
   * comes next, before the first write, because deleting a replaced device removes its queue
   * and reach rows (queue.ts: the deadlock rule).
   */
  async add(
    client: ClientRecord,
    lastPrekey: Prekey,
    prekeys: readonly Prekey[],
    maxPermanent: number,
    fanout: (client: ClientRecord, replaced: ClientRecord | undefined) => readonly Fanout[],
    now: number,
  ): Promise<AddClientOutcome> {
    return inTransaction(this.db, async (tx): Promise<AddClientOutcome> => {
      await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [client.userId]);
      const existing = parseRows(ClientRowSchema, (await tx.query('SELECT * FROM clients WHERE user_id = $1', [client.userId])).rows);
      let replaced: ClientRecord | undefined;
      if (client.type === 'temporary') {
        replaced = existing.find((c) => c.type === 'temporary');
      } else if (existing.filter((c) => c.type === 'permanent').length >= maxPermanent) {
        return { kind: 'too-many' };
      }
      await lockNotificationOrder(tx);
      if (replaced) await deleteRows(tx, replaced.userId, replaced.id);
      await tx.query('INSERT INTO clients (user_id, id, type, class, model, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        client.userId,
        client.id,
        client.type,
        client.class,
        client.model,
        client.label,
        client.createdAt,
      ]);
      await insertPrekeys(tx, client.userId, client.id, [lastPrekey, ...prekeys]);
      const delivered = await insertFanout(tx, fanout(client, replaced), now);
      return { kind: 'added', client, replaced, delivered };
    });
  }

  async list(userId: string): Promise<readonly ClientRecord[]> {
    return parseRows(ClientRowSchema, (await this.db.query('SELECT * FROM clients WHERE user_id = $1 ORDER BY created_at, id', [userId])).rows);
  }

  async get(userId: string, clientId: string): Promise<ClientRecord | undefined> {
    return parseRow(ClientRowSchema, (await this.db.query('SELECT * FROM clients WHERE user_id = $1 AND id = $2', [userId, clientId])).rows[0]);
  }

  async delete(userId: string, clientId: string, fanout: readonly Fanout[], now: number): Promise<readonly Delivered[]> {
    return inTransaction(this.db, async (tx) => {
      await lockNotificationOrder(tx);
      await deleteRows(tx, userId, clientId);
      return insertFanout(tx, fanout, now);
    });
  }

  async setLabel(userId: string, clientId: string, label: string | null): Promise<void> {
    await this.db.query('UPDATE clients SET label = $1 WHERE user_id = $2 AND id = $3', [label, userId, clientId]);
  }

  async uploadPrekeys(userId: string, clientId: string, prekeys: readonly Prekey[]): Promise<number> {
    return inTransaction(this.db, async (tx) => {
      await insertPrekeys(tx, userId, clientId, prekeys);
      return countPrekeys(tx, userId, clientId);
    });
  }

  async countPrekeys(userId: string, clientId: string): Promise<number> {
    return countPrekeys(this.db, userId, clientId);
  }

  /**
   * Deletes and returns the lowest ordinary prekey in one statement; `FOR UPDATE SKIP LOCKED`
   * makes a claim at the same time take the next one, so no prekey is handed out twice. Only
   * when none is left, the last-resort prekey is read (never deleted, so never locked).
   */
  async claimPrekey(userId: string, clientId: string): Promise<Prekey | undefined> {
    const claimed = await this.db.query(
      `DELETE FROM prekeys WHERE user_id = $1 AND client_id = $2 AND id = (
         SELECT id FROM prekeys WHERE user_id = $1 AND client_id = $2 AND id != $3 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, key`,
      [userId, clientId, LAST_RESORT_PREKEY_ID],
    );
    const row =
      parseRow(PrekeyRowSchema, claimed.rows[0]) ??
      parseRow(PrekeyRowSchema, (await this.db.query('SELECT id, key FROM prekeys WHERE user_id = $1 AND client_id = $2 AND id = $3', [userId, clientId, LAST_RESORT_PREKEY_ID])).rows[0]);
    return row === undefined ? undefined : { id: row.id, key: row.key };
  }
}

async function countPrekeys(db: Queryable, userId: string, clientId: string): Promise<number> {
  const result = await db.query('SELECT count(*)::integer AS n FROM prekeys WHERE user_id = $1 AND client_id = $2 AND id != $3', [userId, clientId, LAST_RESORT_PREKEY_ID]);
  return CountRowSchema.parse(result.rows[0]).n;
}

async function insertPrekeys(tx: Queryable, userId: string, clientId: string, prekeys: readonly Prekey[]): Promise<void> {
  if (prekeys.length === 0) return;
  // A prekey uploaded again under the same id replaces the old one (SQLite: INSERT OR REPLACE).
  // Later entries of one upload win, as they do there; ON CONFLICT cannot touch a row twice in one
  // statement, so duplicates within the upload are dropped first.
  const unique = [...new Map(prekeys.map((prekey) => [prekey.id, prekey])).values()];
  await tx.query(
    `INSERT INTO prekeys (user_id, client_id, id, key) SELECT $1, $2, t.id, t.key FROM unnest($3::bigint[], $4::text[]) AS t(id, key)
     ON CONFLICT (user_id, client_id, id) DO UPDATE SET key = excluded.key`,
    [userId, clientId, unique.map((prekey) => prekey.id), unique.map((prekey) => prekey.key)],
  );
}

/** Removes a client and everything that belongs to it except MLS group membership, which a commit must remove. Under the order lock. */
async function deleteRows(tx: Queryable, userId: string, clientId: string): Promise<void> {
  await tx.query('DELETE FROM clients WHERE user_id = $1 AND id = $2', [userId, clientId]);
  await tx.query('DELETE FROM cookies WHERE user_id = $1 AND client_id = $2', [userId, clientId]);
  await tx.query('DELETE FROM queue WHERE user_id = $1 AND client_id = $2', [userId, clientId]);
  await tx.query('DELETE FROM queue_state WHERE user_id = $1 AND client_id = $2', [userId, clientId]);
  await tx.query('DELETE FROM conv_reach WHERE user_id = $1 AND client_id = $2', [userId, clientId]);
}
