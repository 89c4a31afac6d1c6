import { z } from 'zod';
import type { ClientRef, ConversationRecord, Delivered, Fanout, MessageContext } from '../records';
import type { ConversationChange, ConversationPlan, ConversationRepository, MessagePlan, PostKey, PostOutcome, UpdateOutcome } from '../repositories';
import { BlobSchema, parseRow, parseRows } from '../sqlite/rows';
import type { PgDatabase, Queryable } from './database';
import { inTransaction } from './database';
import { insertFanout, lockNotificationOrder, reconcileReach } from './queue';

const ConversationRowSchema = z.object({
  id: z.string(),
  type: z.enum(['group', 'one2one', 'self']),
  name: z.string().nullable(),
  creator: z.string(),
  group_id: BlobSchema,
  epoch: z.number().int(),
  cipher_suite: z.number().int(),
  message_timer: z.number().int().nullable(),
  group_info: BlobSchema.nullable(),
  created_at: z.number().int(),
});
const MemberRowSchema = z.object({ user_id: z.string(), role: z.enum(['admin', 'member']) });
const GroupClientRowSchema = z.object({ user_id: z.string(), client_id: z.string(), registered: z.boolean(), leaf_index: z.number().int().nullable() });
const ConvIdRowSchema = z.object({ conv_id: z.string() });
const PostKeyRowSchema = z.object({ conv_id: z.string(), digest: BlobSchema, posted_at: z.number().int() });
const MessageContextRowSchema = z.object({
  id: z.string(),
  group_id: BlobSchema,
  epoch: z.number().int(),
  sender_is_member: z.boolean(),
  sender_in_group: z.boolean(),
});

/** True when applying `change` would write nothing (every field absent or an empty list). */
function changesNothing(change: ConversationChange): boolean {
  return Object.values(change).every((value) => value === undefined || (Array.isArray(value) && value.length === 0));
}

/**
 * Conversations, members and MLS group state in PostgreSQL: the same tables and answers as
 * sqlite/conversations.ts.
 *
 * Epoch order: SQLite serializes every write, so the epoch a planner reads is the epoch its
 * commit advances. Here `update` reads the conversation with `SELECT … FOR UPDATE`, which holds
 * the row's lock until the transaction ends: a second commit for the same conversation (from
 * this instance or any other on the same database) waits at that read and then sees the epoch
 * the first one wrote, so its planner refuses a commit for the old epoch (`mls-stale-message`).
 * The database decides the order, not process memory. `postMessage` reads with `FOR SHARE`:
 * messages do not wait for each other, but a message waits for a commit in flight (and a commit
 * for the messages in flight), so a message is checked against the epoch it will be delivered
 * in, as with SQLite.
 */
export class PgConversationRepository implements ConversationRepository {
  constructor(private readonly db: PgDatabase) {}

  async create(
    conversation: ConversationRecord,
    one2oneKey: string | null,
    fanout: (created: ConversationRecord) => readonly Fanout[],
    now: number,
  ): Promise<Readonly<{ kind: 'created' | 'exists'; conversation: ConversationRecord; delivered: readonly Delivered[] }>> {
    const existing = async (tx: Queryable): Promise<ConversationRecord | undefined> => {
      if (one2oneKey === null) return undefined;
      const row = parseRow(ConvIdRowSchema, (await tx.query('SELECT id AS conv_id FROM conversations WHERE one2one_key = $1', [one2oneKey])).rows[0]);
      return row ? loadConversation(tx, row.conv_id) : undefined;
    };
    return inTransaction(this.db, async (tx) => {
      const found = await existing(tx);
      if (found) return { kind: 'exists' as const, conversation: found, delivered: [] };
      // Two creations of one 1:1 conversation at once: the second waits on the unique key, then
      // inserts nothing and returns the first one's conversation, as the first would have.
      const inserted = await tx.query(
        `INSERT INTO conversations (id, type, name, creator, group_id, epoch, cipher_suite, message_timer, group_info, one2one_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (one2one_key) DO NOTHING`,
        [
          conversation.id,
          conversation.type,
          conversation.name,
          conversation.creator,
          conversation.groupId,
          conversation.epoch,
          conversation.cipherSuite,
          conversation.messageTimer,
          conversation.groupInfo,
          one2oneKey,
          conversation.createdAt,
        ],
      );
      if (inserted.rowCount === 0) {
        const winner = await existing(tx);
        if (!winner) throw new Error('a conversation with this 1:1 key was neither found nor inserted');
        return { kind: 'exists' as const, conversation: winner, delivered: [] };
      }
      await applyChange(tx, conversation.id, {
        addMembers: conversation.members,
        addClients: conversation.clients.map((client) => ({ ...client, leafIndex: client.leafIndex ?? 0 })),
      });
      await lockNotificationOrder(tx);
      await reconcileReach(tx, conversation.id);
      const created = await loadConversation(tx, conversation.id);
      if (!created) throw new Error('conversation vanished inside its own transaction');
      return { kind: 'created' as const, conversation: created, delivered: await insertFanout(tx, fanout(created), now) };
    });
  }

  async get(id: string): Promise<ConversationRecord | undefined> {
    return inTransaction(this.db, (tx) => loadConversation(tx, id), 'REPEATABLE READ');
  }

  async listForUser(userId: string): Promise<readonly ConversationRecord[]> {
    return inTransaction(
      this.db,
      async (tx) => {
        const ids = parseRows(ConvIdRowSchema, (await tx.query('SELECT conv_id FROM members WHERE user_id = $1 ORDER BY conv_id', [userId])).rows);
        const conversations: ConversationRecord[] = [];
        for (const { conv_id } of ids) {
          const found = await loadConversation(tx, conv_id);
          if (found) conversations.push(found);
        }
        return conversations;
      },
      'REPEATABLE READ',
    );
  }

  async update<T, F>(id: string, plan: (current: ConversationRecord) => ConversationPlan<T, F>, now: number): Promise<UpdateOutcome<T, F>> {
    return inTransaction(this.db, async (tx): Promise<UpdateOutcome<T, F>> => {
      // The epoch lock: see the class comment.
      const current = await loadConversation(tx, id, 'FOR UPDATE');
      if (!current) return { kind: 'missing' };
      const decided = plan(current);
      if (!decided.ok) return { kind: 'failed', failure: decided.failure };
      let after = current;
      if (!changesNothing(decided.change)) {
        await applyChange(tx, id, decided.change);
        await lockNotificationOrder(tx);
        await reconcileReach(tx, id);
        const reloaded = await loadConversation(tx, id);
        if (!reloaded) throw new Error('conversation vanished inside its own transaction');
        after = reloaded;
      }
      const delivered = await insertFanout(tx, decided.fanout(after), now);
      return { kind: 'done', value: decided.value, conversation: after, delivered };
    });
  }

  async postMessage<F>(id: string, sender: ClientRef, plan: (context: MessageContext) => MessagePlan<F>, now: number, postKey?: PostKey): Promise<PostOutcome<F>> {
    const earlierPost = async (tx: Queryable, key: PostKey): Promise<PostOutcome<F> | undefined> => {
      const earlier = parseRow(
        PostKeyRowSchema,
        (await tx.query('SELECT conv_id, digest, posted_at FROM message_post_keys WHERE user_id = $1 AND client_id = $2 AND key = $3', [sender.userId, sender.clientId, key.key])).rows[0],
      );
      if (!earlier) return undefined;
      return earlier.conv_id === id && earlier.digest.equals(key.digest) ? { kind: 'repeated', postedAt: earlier.posted_at } : { kind: 'key-reused' };
    };
    return inTransaction(this.db, async (tx): Promise<PostOutcome<F>> => {
      if (postKey) {
        const answered = await earlierPost(tx, postKey);
        if (answered) return answered;
      }
      const row = parseRow(
        MessageContextRowSchema,
        (
          await tx.query(
            `SELECT c.id, c.group_id, c.epoch,
               EXISTS (SELECT 1 FROM members m WHERE m.conv_id = c.id AND m.user_id = $1) AS sender_is_member,
               EXISTS (SELECT 1 FROM group_clients g WHERE g.conv_id = c.id AND g.user_id = $1 AND g.client_id = $2) AS sender_in_group
             FROM conversations c WHERE c.id = $3 FOR SHARE OF c`,
            [sender.userId, sender.clientId, id],
          )
        ).rows[0],
      );
      if (!row) return { kind: 'missing' };
      const decided = plan({ id: row.id, groupId: row.group_id, epoch: row.epoch, senderIsMember: row.sender_is_member, senderInGroup: row.sender_in_group });
      if (!decided.ok) return { kind: 'failed', failure: decided.failure };
      await lockNotificationOrder(tx);
      if (postKey) {
        // A retry of the same post that raced this one has committed by now (it held the order
        // lock while it inserted its key): then this one stores nothing and answers as it did.
        const stored = await tx.query(
          `INSERT INTO message_post_keys (user_id, client_id, key, conv_id, digest, posted_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (user_id, client_id, key) DO NOTHING`,
          [sender.userId, sender.clientId, postKey.key, id, postKey.digest, now],
        );
        if (stored.rowCount === 0) {
          const answered = await earlierPost(tx, postKey);
          if (answered) return answered;
          throw new Error('a message post key was neither found nor stored');
        }
      }
      return { kind: 'done', delivered: await insertFanout(tx, [decided.fanout], now) };
    });
  }

  async prunePostKeys(olderThan: number): Promise<number> {
    return (await this.db.query('DELETE FROM message_post_keys WHERE posted_at < $1', [olderThan])).rowCount ?? 0;
  }

  async sharesAssetWith(assetKey: string, userId: string): Promise<boolean> {
    const result = await this.db.query('SELECT 1 FROM asset_shares s JOIN members m ON m.conv_id = s.conv_id WHERE s.asset_key = $1 AND m.user_id = $2 LIMIT 1', [assetKey, userId]);
    return result.rows.length > 0;
  }
}

/** Reads a conversation with its members and group devices; `lock` locks the conversation's row. */
export async function loadConversation(tx: Queryable, id: string, lock: '' | 'FOR UPDATE' = ''): Promise<ConversationRecord | undefined> {
  const row = parseRow(ConversationRowSchema, (await tx.query(`SELECT * FROM conversations WHERE id = $1 ${lock}`, [id])).rows[0]);
  if (!row) return undefined;
  const members = parseRows(MemberRowSchema, (await tx.query('SELECT user_id, role FROM members WHERE conv_id = $1 ORDER BY user_id', [id])).rows);
  const clients = parseRows(
    GroupClientRowSchema,
    (
      await tx.query(
        `SELECT g.user_id, g.client_id, (c.id IS NOT NULL) AS registered, g.leaf_index FROM group_clients g
         LEFT JOIN clients c ON c.user_id = g.user_id AND c.id = g.client_id
         WHERE g.conv_id = $1 ORDER BY g.user_id, g.client_id`,
        [id],
      )
    ).rows,
  );
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    creator: row.creator,
    groupId: row.group_id,
    epoch: row.epoch,
    cipherSuite: row.cipher_suite,
    messageTimer: row.message_timer,
    groupInfo: row.group_info,
    createdAt: row.created_at,
    members: members.map((m) => ({ userId: m.user_id, role: m.role })),
    clients: clients.map((c) => ({ userId: c.user_id, clientId: c.client_id, registered: c.registered, leafIndex: c.leaf_index })),
  };
}

/** Applies a change's fields and lists, each list in one statement. Runs under the conversation's row lock. */
async function applyChange(tx: Queryable, id: string, change: ConversationChange): Promise<void> {
  if (change.epoch !== undefined) await tx.query('UPDATE conversations SET epoch = $1 WHERE id = $2', [change.epoch, id]);
  if (change.groupInfo !== undefined) await tx.query('UPDATE conversations SET group_info = $1 WHERE id = $2', [change.groupInfo, id]);
  if (change.name !== undefined) await tx.query('UPDATE conversations SET name = $1 WHERE id = $2', [change.name, id]);
  if (change.messageTimer !== undefined) await tx.query('UPDATE conversations SET message_timer = $1 WHERE id = $2', [change.messageTimer, id]);
  const addMembers = change.addMembers ?? [];
  if (addMembers.length > 0) {
    await tx.query(
      `INSERT INTO members (conv_id, user_id, role) SELECT $1, t.user_id, t.role FROM unnest($2::text[], $3::text[]) AS t(user_id, role)
       ON CONFLICT DO NOTHING`,
      [id, addMembers.map((m) => m.userId), addMembers.map((m) => m.role)],
    );
  }
  for (const member of change.setRoles ?? []) await tx.query('UPDATE members SET role = $1 WHERE conv_id = $2 AND user_id = $3', [member.role, id, member.userId]);
  const removeMembers = change.removeMembers ?? [];
  if (removeMembers.length > 0) await tx.query('DELETE FROM members WHERE conv_id = $1 AND user_id = ANY($2::text[])', [id, removeMembers]);
  const removeClients = change.removeClients ?? [];
  if (removeClients.length > 0) {
    await tx.query(
      `DELETE FROM group_clients g USING unnest($2::text[], $3::text[]) AS t(user_id, client_id)
       WHERE g.conv_id = $1 AND g.user_id = t.user_id AND g.client_id = t.client_id`,
      [id, removeClients.map((c) => c.userId), removeClients.map((c) => c.clientId)],
    );
  }
  const addClients = change.addClients ?? [];
  if (addClients.length > 0) {
    await tx.query(
      `INSERT INTO group_clients (conv_id, user_id, client_id, leaf_index)
       SELECT $1, t.user_id, t.client_id, t.leaf_index FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t(user_id, client_id, leaf_index)
       ON CONFLICT DO NOTHING`,
      [id, addClients.map((c) => c.userId), addClients.map((c) => c.clientId), addClients.map((c) => c.leafIndex)],
    );
  }
  for (const client of change.setLeaves ?? []) {
    await tx.query('UPDATE group_clients SET leaf_index = $1 WHERE conv_id = $2 AND user_id = $3 AND client_id = $4', [client.leafIndex, id, client.userId, client.clientId]);
  }
}
