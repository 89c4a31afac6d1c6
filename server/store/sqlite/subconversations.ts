import { z } from 'zod';
import type { ConversationRecord } from '../records';
import type {
  SubconversationChange,
  SubconversationOutcome,
  SubconversationPlan,
  SubconversationRecord,
  SubconversationRepository,
} from '../subconversationRecords';
import { loadConversation } from './conversations';
import type { SqliteDatabase } from './database';
import { insertFanout } from './queue';
import { BlobSchema, parseRow, parseRows } from './rows';
import { prepared } from './statements';

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
  registered: z.number().int(),
  left_at: z.number().int().nullable(),
});

/** Call groups in the server's SQLite file, changed in the same serialized transactions as conversations. */
export class SqliteSubconversationRepository implements SubconversationRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async create<F>(
    convId: string,
    plan: (parent: ConversationRecord) => Readonly<{ ok: true; record: SubconversationRecord }> | Readonly<{ ok: false; failure: F }>,
  ): Promise<Readonly<{ kind: 'missing' }> | Readonly<{ kind: 'failed'; failure: F }> | Readonly<{ kind: 'created'; record: SubconversationRecord }>> {
    const run = this.db.transaction(() => {
      const parent = loadConversation(this.db, convId);
      if (!parent) return { kind: 'missing' as const };
      const decided = plan(parent);
      if (!decided.ok) return { kind: 'failed' as const, failure: decided.failure };
      const { record } = decided;
      prepared(
        this.db,
        `INSERT INTO subconversations (conv_id, id, group_id, epoch, epoch_started_at, cipher_suite, group_info, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(record.convId, record.id, record.groupId, record.epoch, record.epochStartedAt, record.cipherSuite, record.groupInfo, record.createdAt);
      this.applyChange(record.convId, record.id, { addClients: record.clients }, record.createdAt);
      const created = this.load(record.convId, record.id);
      if (!created) throw new Error('subconversation vanished inside its own transaction');
      return { kind: 'created' as const, record: created };
    });
    return run.immediate();
  }

  async get(convId: string, subId: string): Promise<Readonly<{ parent: ConversationRecord; sub: SubconversationRecord }> | undefined> {
    const run = this.db.transaction(() => {
      const parent = loadConversation(this.db, convId);
      const sub = parent ? this.load(convId, subId) : undefined;
      return parent && sub ? { parent, sub } : undefined;
    });
    return run.deferred();
  }

  async update<T, F>(
    convId: string,
    subId: string,
    plan: (parent: ConversationRecord, sub: SubconversationRecord) => SubconversationPlan<T, F>,
    now: number,
  ): Promise<SubconversationOutcome<T, F>> {
    const run = this.db.transaction((): SubconversationOutcome<T, F> => {
      const parent = loadConversation(this.db, convId);
      const current = parent ? this.load(convId, subId) : undefined;
      if (!parent || !current) return { kind: 'missing' };
      const decided = plan(parent, current);
      if (!decided.ok) return { kind: 'failed', failure: decided.failure };
      this.applyChange(convId, subId, decided.change, now);
      const after = decided.change.deleteGroup === true ? undefined : this.load(convId, subId);
      const delivered = insertFanout(this.db, decided.fanout, now);
      return { kind: 'done', value: decided.value, after, delivered };
    });
    return run.immediate();
  }

  private load(convId: string, subId: string): SubconversationRecord | undefined {
    const row = parseRow(SubconversationRowSchema, prepared(this.db, 'SELECT * FROM subconversations WHERE conv_id = ? AND id = ?').get(convId, subId));
    if (!row) return undefined;
    const clients = parseRows(
      SubgroupClientRowSchema,
      prepared(
        this.db,
        `SELECT s.user_id, s.client_id, s.leaf_index, (c.id IS NOT NULL) AS registered, s.left_at FROM subconversation_clients s
         LEFT JOIN clients c ON c.user_id = s.user_id AND c.id = s.client_id
         WHERE s.conv_id = ? AND s.sub_id = ? ORDER BY s.leaf_index`,
      ).all(convId, subId),
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
      clients: clients.map((c) => ({ userId: c.user_id, clientId: c.client_id, leafIndex: c.leaf_index, registered: c.registered === 1, left: c.left_at !== null })),
    };
  }

  private applyChange(convId: string, subId: string, change: SubconversationChange, now: number): void {
    if (change.deleteGroup === true) {
      prepared(this.db, 'DELETE FROM subconversations WHERE conv_id = ? AND id = ?').run(convId, subId);
      return;
    }
    if (change.epoch !== undefined) {
      prepared(this.db, 'UPDATE subconversations SET epoch = ?, epoch_started_at = ? WHERE conv_id = ? AND id = ?').run(change.epoch, now, convId, subId);
    }
    if (change.groupInfo !== undefined) prepared(this.db, 'UPDATE subconversations SET group_info = ? WHERE conv_id = ? AND id = ?').run(change.groupInfo, convId, subId);
    const remove = prepared(this.db, 'DELETE FROM subconversation_clients WHERE conv_id = ? AND sub_id = ? AND user_id = ? AND client_id = ?');
    for (const client of change.removeClients ?? []) remove.run(convId, subId, client.userId, client.clientId);
    const add = prepared(this.db, 'INSERT INTO subconversation_clients (conv_id, sub_id, user_id, client_id, leaf_index) VALUES (?, ?, ?, ?, ?)');
    for (const client of change.addClients ?? []) add.run(convId, subId, client.userId, client.clientId, client.leafIndex);
    const markLeft = prepared(this.db, 'UPDATE subconversation_clients SET left_at = ? WHERE conv_id = ? AND sub_id = ? AND user_id = ? AND client_id = ? AND left_at IS NULL');
    for (const client of change.markLeft ?? []) markLeft.run(now, convId, subId, client.userId, client.clientId);
  }
}
