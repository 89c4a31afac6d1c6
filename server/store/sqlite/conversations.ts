import { z } from 'zod';
import type { ClientRef, ConversationRecord, Delivered, Fanout, MessageContext } from '../records';
import type { ConversationChange, ConversationPlan, ConversationRepository, MessagePlan, PostKey, PostOutcome, UpdateOutcome } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { insertFanout, reconcileReach } from './queue';
import { BlobSchema, parseRow, parseRows } from './rows';

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
const GroupClientRowSchema = z.object({ user_id: z.string(), client_id: z.string(), registered: z.number().int(), leaf_index: z.number().int().nullable() });
const ConvIdRowSchema = z.object({ conv_id: z.string() });
const PostKeyRowSchema = z.object({ conv_id: z.string(), digest: BlobSchema, posted_at: z.number().int() });
const MessageContextRowSchema = z.object({
  id: z.string(),
  group_id: BlobSchema,
  epoch: z.number().int(),
  sender_is_member: z.number().int(),
  sender_in_group: z.number().int(),
});

/** True when applying `change` would write nothing (every field absent or an empty list). */
function changesNothing(change: ConversationChange): boolean {
  return Object.values(change).every((value) => value === undefined || (Array.isArray(value) && value.length === 0));
}

export class SqliteConversationRepository implements ConversationRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async create(
    conversation: ConversationRecord,
    one2oneKey: string | null,
    fanout: (created: ConversationRecord) => readonly Fanout[],
    now: number,
  ): Promise<Readonly<{ kind: 'created' | 'exists'; conversation: ConversationRecord; delivered: readonly Delivered[] }>> {
    return this.db.transaction(() => {
      if (one2oneKey !== null) {
        const existing = parseRow(ConvIdRowSchema, prepared(this.db, 'SELECT id AS conv_id FROM conversations WHERE one2one_key = ?').get(one2oneKey));
        const found = existing ? this.load(existing.conv_id) : undefined;
        if (found) return { kind: 'exists' as const, conversation: found, delivered: [] };
      }
      prepared(this.db, `INSERT INTO conversations (id, type, name, creator, group_id, epoch, cipher_suite, message_timer, group_info, one2one_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
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
        );
      this.applyChange(conversation.id, { addMembers: conversation.members, addClients: conversation.clients.map((client) => ({ ...client, leafIndex: client.leafIndex ?? 0 })) });
      reconcileReach(this.db, conversation.id);
      const created = this.load(conversation.id);
      if (!created) throw new Error('conversation vanished inside its own transaction');
      return { kind: 'created' as const, conversation: created, delivered: insertFanout(this.db, fanout(created), now) };
    })();
  }

  async get(id: string): Promise<ConversationRecord | undefined> {
    return this.load(id);
  }

  async listForUser(userId: string): Promise<readonly ConversationRecord[]> {
    const ids = parseRows(ConvIdRowSchema, prepared(this.db, 'SELECT conv_id FROM members WHERE user_id = ? ORDER BY conv_id').all(userId));
    return ids.flatMap(({ conv_id }) => this.load(conv_id) ?? []);
  }

  async update<T, F>(id: string, plan: (current: ConversationRecord) => ConversationPlan<T, F>, now: number): Promise<UpdateOutcome<T, F>> {
    const run = this.db.transaction((): UpdateOutcome<T, F> => {
      const current = this.load(id);
      if (!current) return { kind: 'missing' };
      const decided = plan(current);
      if (!decided.ok) return { kind: 'failed', failure: decided.failure };
      // An application message changes nothing: membership, group and therefore reach stay as
      // loaded, which saves reading the conversation twice more per message.
      const after = changesNothing(decided.change) ? current : this.applyAndReload(id, decided.change);
      const delivered = insertFanout(this.db, decided.fanout(after), now);
      return { kind: 'done', value: decided.value, conversation: after, delivered };
    });
    return run.immediate();
  }

  async postMessage<F>(
    id: string,
    sender: ClientRef,
    plan: (context: MessageContext) => MessagePlan<F>,
    now: number,
    postKey?: PostKey,
  ): Promise<PostOutcome<F>> {
    const run = this.db.transaction((): PostOutcome<F> => {
      if (postKey) {
        const earlier = parseRow(
          PostKeyRowSchema,
          prepared(this.db, 'SELECT conv_id, digest, posted_at FROM message_post_keys WHERE user_id = ? AND client_id = ? AND key = ?').get(
            sender.userId,
            sender.clientId,
            postKey.key,
          ),
        );
        if (earlier) {
          return earlier.conv_id === id && earlier.digest.equals(postKey.digest) ? { kind: 'repeated', postedAt: earlier.posted_at } : { kind: 'key-reused' };
        }
      }
      const row = parseRow(
        MessageContextRowSchema,
        prepared(
          this.db,
          `SELECT c.id, c.group_id, c.epoch,
             EXISTS (SELECT 1 FROM members m WHERE m.conv_id = c.id AND m.user_id = ?) AS sender_is_member,
             EXISTS (SELECT 1 FROM group_clients g WHERE g.conv_id = c.id AND g.user_id = ? AND g.client_id = ?) AS sender_in_group
           FROM conversations c WHERE c.id = ?`,
        ).get(sender.userId, sender.userId, sender.clientId, id),
      );
      if (!row) return { kind: 'missing' };
      const decided = plan({
        id: row.id,
        groupId: row.group_id,
        epoch: row.epoch,
        senderIsMember: row.sender_is_member === 1,
        senderInGroup: row.sender_in_group === 1,
      });
      if (!decided.ok) return { kind: 'failed', failure: decided.failure };
      if (postKey) {
        prepared(this.db, 'INSERT INTO message_post_keys (user_id, client_id, key, conv_id, digest, posted_at) VALUES (?, ?, ?, ?, ?, ?)').run(
          sender.userId,
          sender.clientId,
          postKey.key,
          id,
          postKey.digest,
          now,
        );
      }
      return { kind: 'done', delivered: insertFanout(this.db, [decided.fanout], now) };
    });
    return run.immediate();
  }

  async prunePostKeys(olderThan: number): Promise<number> {
    return prepared(this.db, 'DELETE FROM message_post_keys WHERE posted_at < ?').run(olderThan).changes;
  }

  async sharesAssetWith(assetKey: string, userId: string): Promise<boolean> {
    return (
      prepared(this.db, 'SELECT 1 FROM asset_shares s JOIN members m ON m.conv_id = s.conv_id WHERE s.asset_key = ? AND m.user_id = ? LIMIT 1')
        .get(assetKey, userId) !== undefined
    );
  }

  private load(id: string): ConversationRecord | undefined {
    return loadConversation(this.db, id);
  }

  private applyAndReload(id: string, change: ConversationChange): ConversationRecord {
    this.applyChange(id, change);
    reconcileReach(this.db, id);
    const after = this.load(id);
    if (!after) throw new Error('conversation vanished inside its own transaction');
    return after;
  }

  private applyChange(id: string, change: ConversationChange): void {
    if (change.epoch !== undefined) prepared(this.db, 'UPDATE conversations SET epoch = ? WHERE id = ?').run(change.epoch, id);
    if (change.groupInfo !== undefined) prepared(this.db, 'UPDATE conversations SET group_info = ? WHERE id = ?').run(change.groupInfo, id);
    if (change.name !== undefined) prepared(this.db, 'UPDATE conversations SET name = ? WHERE id = ?').run(change.name, id);
    if (change.messageTimer !== undefined) {
      prepared(this.db, 'UPDATE conversations SET message_timer = ? WHERE id = ?').run(change.messageTimer, id);
    }
    const addMember = prepared(this.db, 'INSERT OR IGNORE INTO members (conv_id, user_id, role) VALUES (?, ?, ?)');
    for (const member of change.addMembers ?? []) addMember.run(id, member.userId, member.role);
    const setRole = prepared(this.db, 'UPDATE members SET role = ? WHERE conv_id = ? AND user_id = ?');
    for (const member of change.setRoles ?? []) setRole.run(member.role, id, member.userId);
    const removeMember = prepared(this.db, 'DELETE FROM members WHERE conv_id = ? AND user_id = ?');
    for (const userId of change.removeMembers ?? []) removeMember.run(id, userId);
    const removeClient = prepared(this.db, 'DELETE FROM group_clients WHERE conv_id = ? AND user_id = ? AND client_id = ?');
    for (const client of change.removeClients ?? []) removeClient.run(id, client.userId, client.clientId);
    const addClient = prepared(this.db, 'INSERT OR IGNORE INTO group_clients (conv_id, user_id, client_id, leaf_index) VALUES (?, ?, ?, ?)');
    for (const client of change.addClients ?? []) addClient.run(id, client.userId, client.clientId, client.leafIndex);
    const setLeaf = prepared(this.db, 'UPDATE group_clients SET leaf_index = ? WHERE conv_id = ? AND user_id = ? AND client_id = ?');
    for (const client of change.setLeaves ?? []) setLeaf.run(client.leafIndex, id, client.userId, client.clientId);
  }
}

/** A conversation with its members and group devices, read inside the caller's transaction (subconversations.ts reads parents with it). */
export function loadConversation(db: SqliteDatabase, id: string): ConversationRecord | undefined {
  const row = parseRow(ConversationRowSchema, prepared(db, 'SELECT * FROM conversations WHERE id = ?').get(id));
  if (!row) return undefined;
  const members = parseRows(MemberRowSchema, prepared(db, 'SELECT user_id, role FROM members WHERE conv_id = ? ORDER BY user_id').all(id));
  const clients = parseRows(
    GroupClientRowSchema,
    prepared(db, `SELECT g.user_id, g.client_id, (c.id IS NOT NULL) AS registered, g.leaf_index FROM group_clients g
         LEFT JOIN clients c ON c.user_id = g.user_id AND c.id = g.client_id
         WHERE g.conv_id = ? ORDER BY g.user_id, g.client_id`,
      )
      .all(id),
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
    clients: clients.map((c) => ({ userId: c.user_id, clientId: c.client_id, registered: c.registered === 1, leafIndex: c.leaf_index })),
  };
}
