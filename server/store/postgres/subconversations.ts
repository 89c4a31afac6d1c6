import { z } from 'zod';
import type { ConversationRecord } from '../records';
import { BlobSchema, parseRow, parseRows } from '../sqlite/rows';
import type {
  SubconversationChange,
  SubconversationOutcome,
  SubconversationPlan,
  SubconversationRecord,
  SubconversationRepository,
} from '../subconversationRecords';
import { loadConversation } from './conversations';
import type { PgDatabase, Queryable } from './database';
import { inTransaction } from './database';
import { insertFanout, lockNotificationOrder } from './queue';

const SubconversationRowSchema = z.object({
  conv_id: z.string(),
  id: z.string(),
  group_id: BlobSchema,
  epoch: z.number().int(),
  epoch_started_at: z.number().int(),
  cipher_suite: z.number().int(),
  group_info: BlobSchema.nullable(),
  created_at: z.number().int(),
});
const SubgroupClientRowSchema = z.object({
  user_id: z.string(),
  client_id: z.string(),
  leaf_index: z.number().int(),
  registered: z.boolean(),
  left_at: z.number().int().nullable(),
});

/**
 * Call groups (issue 14) on PostgreSQL, as sqlite/subconversations.ts. A change reads the call
 * group's row with `FOR UPDATE`, so two commits for one call group are decided one after the
 * other by the database (the second sees the new epoch and is refused as stale), across server
 * instances too; the parent conversation is only read. Fan-out takes the notification order lock
 * (queue.ts) like every other notifying write.
 */
export class PgSubconversationRepository implements SubconversationRepository {
  constructor(private readonly db: PgDatabase) {}

  async create<F>(
    convId: string,
    plan: (parent: ConversationRecord) => Readonly<{ ok: true; record: SubconversationRecord }> | Readonly<{ ok: false; failure: F }>,
  ): Promise<Readonly<{ kind: 'missing' }> | Readonly<{ kind: 'failed'; failure: F }> | Readonly<{ kind: 'created'; record: SubconversationRecord }>> {
    return inTransaction(this.db, async (tx) => {
      const parent = await loadConversation(tx, convId);
      if (!parent) return { kind: 'missing' as const };
      const decided = plan(parent);
      if (!decided.ok) return { kind: 'failed' as const, failure: decided.failure };
      const { record } = decided;
      await tx.query(
        `INSERT INTO subconversations (conv_id, id, group_id, epoch, epoch_started_at, cipher_suite, group_info, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [record.convId, record.id, record.groupId, record.epoch, record.epochStartedAt, record.cipherSuite, record.groupInfo, record.createdAt],
      );
      await applyChange(tx, record.convId, record.id, { addClients: record.clients }, record.createdAt);
      const created = await load(tx, record.convId, record.id);
      if (!created) throw new Error('subconversation vanished inside its own transaction');
      return { kind: 'created' as const, record: created };
    });
  }

  async get(convId: string, subId: string): Promise<Readonly<{ parent: ConversationRecord; sub: SubconversationRecord }> | undefined> {
    return inTransaction(
      this.db,
      async (tx) => {
        const parent = await loadConversation(tx, convId);
        const sub = parent ? await load(tx, convId, subId) : undefined;
        return parent && sub ? { parent, sub } : undefined;
      },
      'REPEATABLE READ',
    );
  }

  async update<T, F>(
    convId: string,
    subId: string,
    plan: (parent: ConversationRecord, sub: SubconversationRecord) => SubconversationPlan<T, F>,
    now: number,
  ): Promise<SubconversationOutcome<T, F>> {
    return inTransaction(this.db, async (tx): Promise<SubconversationOutcome<T, F>> => {
      const parent = await loadConversation(tx, convId);
      const current = parent ? await load(tx, convId, subId, 'FOR UPDATE') : undefined;
      if (!parent || !current) return { kind: 'missing' };
      const decided = plan(parent, current);
      if (!decided.ok) return { kind: 'failed', failure: decided.failure };
      await applyChange(tx, convId, subId, decided.change, now);
      const after = decided.change.deleteGroup === true ? undefined : await load(tx, convId, subId);
      await lockNotificationOrder(tx);
      const delivered = await insertFanout(tx, decided.fanout, now);
      return { kind: 'done', value: decided.value, after, delivered };
    });
  }
}

async function load(tx: Queryable, convId: string, subId: string, lock: '' | 'FOR UPDATE' = ''): Promise<SubconversationRecord | undefined> {
  const row = parseRow(SubconversationRowSchema, (await tx.query(`SELECT * FROM subconversations WHERE conv_id = $1 AND id = $2 ${lock}`, [convId, subId])).rows[0]);
  if (!row) return undefined;
  const clients = parseRows(
    SubgroupClientRowSchema,
    (
      await tx.query(
        `SELECT s.user_id, s.client_id, s.leaf_index, (c.id IS NOT NULL) AS registered, s.left_at FROM subconversation_clients s
         LEFT JOIN clients c ON c.user_id = s.user_id AND c.id = s.client_id
         WHERE s.conv_id = $1 AND s.sub_id = $2 ORDER BY s.leaf_index`,
        [convId, subId],
      )
    ).rows,
  );
  return {
    convId: row.conv_id,
    id: row.id,
    groupId: row.group_id,
    epoch: row.epoch,
    epochStartedAt: row.epoch_started_at,
    cipherSuite: row.cipher_suite,
    groupInfo: row.group_info,
    createdAt: row.created_at,
    clients: clients.map((c) => ({ userId: c.user_id, clientId: c.client_id, leafIndex: c.leaf_index, registered: c.registered, left: c.left_at !== null })),
  };
}

async function applyChange(tx: Queryable, convId: string, subId: string, change: SubconversationChange, now: number): Promise<void> {
  if (change.deleteGroup === true) {
    await tx.query('DELETE FROM subconversations WHERE conv_id = $1 AND id = $2', [convId, subId]);
    return;
  }
  if (change.epoch !== undefined) {
    await tx.query('UPDATE subconversations SET epoch = $1, epoch_started_at = $2 WHERE conv_id = $3 AND id = $4', [change.epoch, now, convId, subId]);
  }
  if (change.groupInfo !== undefined) await tx.query('UPDATE subconversations SET group_info = $1 WHERE conv_id = $2 AND id = $3', [change.groupInfo, convId, subId]);
  for (const client of change.removeClients ?? []) {
    await tx.query('DELETE FROM subconversation_clients WHERE conv_id = $1 AND sub_id = $2 AND user_id = $3 AND client_id = $4', [convId, subId, client.userId, client.clientId]);
  }
  for (const client of change.addClients ?? []) {
    await tx.query('INSERT INTO subconversation_clients (conv_id, sub_id, user_id, client_id, leaf_index) VALUES ($1, $2, $3, $4, $5)', [
      convId,
      subId,
      client.userId,
      client.clientId,
      client.leafIndex,
    ]);
  }
  for (const client of change.markLeft ?? []) {
    await tx.query('UPDATE subconversation_clients SET left_at = $1 WHERE conv_id = $2 AND sub_id = $3 AND user_id = $4 AND client_id = $5 AND left_at IS NULL', [
      now,
      convId,
      subId,
      client.userId,
      client.clientId,
    ]);
  }
}
