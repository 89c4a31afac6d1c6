import { z } from 'zod';
import type { Prekey } from '../../../protocol';
import { LAST_RESORT_PREKEY_ID } from '../../../protocol';
import type { ClientRecord, Delivered, Fanout } from '../records';
import type { AddClientOutcome, ClientRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { insertFanout } from './queue';
import { ClientRowSchema, CountRowSchema, parseRow, parseRows } from './rows';

const PrekeyRowSchema = z.object({ id: z.number().int(), key: z.string() });

export class SqliteClientRepository implements ClientRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async add(
    client: ClientRecord,
    lastPrekey: Prekey,
    prekeys: readonly Prekey[],
    maxPermanent: number,
    fanout: (client: ClientRecord, replaced: ClientRecord | undefined) => readonly Fanout[],
    now: number,
  ): Promise<AddClientOutcome> {
    return this.db.transaction((): AddClientOutcome => {
      const existing = parseRows(ClientRowSchema, prepared(this.db, 'SELECT * FROM clients WHERE user_id = ?').all(client.userId));
      let replaced: ClientRecord | undefined;
      if (client.type === 'temporary') {
        replaced = existing.find((c) => c.type === 'temporary');
        if (replaced) this.deleteRows(replaced.userId, replaced.id);
      } else if (existing.filter((c) => c.type === 'permanent').length >= maxPermanent) {
        return { kind: 'too-many' };
      }
      prepared(this.db, 'INSERT INTO clients (user_id, id, type, class, model, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(client.userId, client.id, client.type, client.class, client.model, client.label, client.createdAt);
      this.insertPrekeys(client.userId, client.id, [lastPrekey, ...prekeys]);
      const delivered = insertFanout(this.db, fanout(client, replaced), now);
      return { kind: 'added', client, replaced, delivered };
    })();
  }

  async list(userId: string): Promise<readonly ClientRecord[]> {
    return parseRows(ClientRowSchema, prepared(this.db, 'SELECT * FROM clients WHERE user_id = ? ORDER BY created_at, id').all(userId));
  }

  async get(userId: string, clientId: string): Promise<ClientRecord | undefined> {
    return parseRow(ClientRowSchema, prepared(this.db, 'SELECT * FROM clients WHERE user_id = ? AND id = ?').get(userId, clientId));
  }

  async delete(userId: string, clientId: string, fanout: readonly Fanout[], now: number): Promise<readonly Delivered[]> {
    return this.db.transaction((): readonly Delivered[] => {
      this.deleteRows(userId, clientId);
      return insertFanout(this.db, fanout, now);
    })();
  }

  async setLabel(userId: string, clientId: string, label: string | null): Promise<void> {
    prepared(this.db, 'UPDATE clients SET label = ? WHERE user_id = ? AND id = ?').run(label, userId, clientId);
  }

  async uploadPrekeys(userId: string, clientId: string, prekeys: readonly Prekey[]): Promise<number> {
    return this.db.transaction((): number => {
      this.insertPrekeys(userId, clientId, prekeys);
      return this.countSync(userId, clientId);
    })();
  }

  async countPrekeys(userId: string, clientId: string): Promise<number> {
    return this.countSync(userId, clientId);
  }

  async claimPrekey(userId: string, clientId: string): Promise<Prekey | undefined> {
    return this.db.transaction((): Prekey | undefined => {
      const row = parseRow(
        PrekeyRowSchema,
        prepared(this.db, 'SELECT id, key FROM prekeys WHERE user_id = ? AND client_id = ? ORDER BY (id = ?), id LIMIT 1')
          .get(userId, clientId, LAST_RESORT_PREKEY_ID),
      );
      if (row === undefined) return undefined;
      if (row.id !== LAST_RESORT_PREKEY_ID) {
        prepared(this.db, 'DELETE FROM prekeys WHERE user_id = ? AND client_id = ? AND id = ?').run(userId, clientId, row.id);
      }
      return { id: row.id, key: row.key };
    })();
  }

  private countSync(userId: string, clientId: string): number {
    return CountRowSchema.parse(
      prepared(this.db, 'SELECT count(*) AS n FROM prekeys WHERE user_id = ? AND client_id = ? AND id != ?')
        .get(userId, clientId, LAST_RESORT_PREKEY_ID),
    ).n;
  }

  private insertPrekeys(userId: string, clientId: string, prekeys: readonly Prekey[]): void {
    const insert = prepared(this.db, 'INSERT OR REPLACE INTO prekeys (user_id, client_id, id, key) VALUES (?, ?, ?, ?)');
    for (const prekey of prekeys) insert.run(userId, clientId, prekey.id, prekey.key);
  }

  /** Removes a client and everything that belongs to it except MLS group membership, which a commit must remove. */
  private deleteRows(userId: string, clientId: string): void {
    prepared(this.db, 'DELETE FROM clients WHERE user_id = ? AND id = ?').run(userId, clientId);
    prepared(this.db, 'DELETE FROM cookies WHERE user_id = ? AND client_id = ?').run(userId, clientId);
    prepared(this.db, 'DELETE FROM queue WHERE user_id = ? AND client_id = ?').run(userId, clientId);
    prepared(this.db, 'DELETE FROM queue_state WHERE user_id = ? AND client_id = ?').run(userId, clientId);
    prepared(this.db, 'DELETE FROM conv_reach WHERE user_id = ? AND client_id = ?').run(userId, clientId);
  }
}
