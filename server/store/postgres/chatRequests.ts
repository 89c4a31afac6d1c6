import { z } from 'zod';
import type { ChatRequestRecord, Fanout } from '../records';
import type { AnswerOutcome, ChatRequestOutcome, ChatRequestRepository } from '../repositories';
import { parseRow, parseRows } from '../sqlite/rows';
import type { PgDatabase } from './database';
import { inTransaction } from './database';
import { insertFanout, lockNotificationOrder } from './queue';

const ChatRequestRowSchema = z
  .object({
    id: z.string(),
    requester_id: z.string(),
    target_id: z.string(),
    state: z.enum(['pending', 'accepted', 'ignored']),
    created_at: z.number().int(),
    expires_at: z.number().int(),
  })
  .transform(
    (row): ChatRequestRecord => ({
      id: row.id,
      requesterId: row.requester_id,
      targetId: row.target_id,
      state: row.state,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }),
  );
const PeerRowSchema = z.object({ peer: z.string() });
const CountSchema = z.object({ n: z.number().int() });

/**
 * Chat requests (docs/SECURITY.md, item 10) on PostgreSQL, as sqlite/chatRequests.ts. Creating
 * one locks the pair with a transaction-scoped advisory lock on the requester and target, so
 * two requests of one requester to one target at the same moment (two instances) store one;
 * answering reads the request `FOR UPDATE`, so it is answered once.
 */
export class PgChatRequestRepository implements ChatRequestRepository {
  constructor(private readonly db: PgDatabase) {}

  async create(request: ChatRequestRecord, fanout: (created: ChatRequestRecord) => readonly Fanout[], now: number): Promise<ChatRequestOutcome> {
    return inTransaction(this.db, async (tx): Promise<ChatRequestOutcome> => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`chat-request:${request.requesterId}:${request.targetId}`]);
      const blocking = await tx.query(
        "SELECT 1 FROM chat_requests WHERE requester_id = $1 AND target_id = $2 AND (state = 'accepted' OR expires_at > $3) LIMIT 1",
        [request.requesterId, request.targetId, now],
      );
      if (blocking.rows.length > 0) return { kind: 'exists' };
      await tx.query("DELETE FROM chat_requests WHERE requester_id = $1 AND target_id = $2 AND state != 'accepted'", [request.requesterId, request.targetId]);
      await tx.query('INSERT INTO chat_requests (id, requester_id, target_id, state, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        request.id,
        request.requesterId,
        request.targetId,
        request.state,
        request.createdAt,
        request.expiresAt,
      ]);
      await lockNotificationOrder(tx);
      return { kind: 'created', request, delivered: await insertFanout(tx, fanout(request), now) };
    });
  }

  async pendingFor(targetId: string, now: number): Promise<readonly ChatRequestRecord[]> {
    const result = await this.db.query("SELECT * FROM chat_requests WHERE target_id = $1 AND state = 'pending' AND expires_at > $2 ORDER BY created_at, id", [targetId, now]);
    return parseRows(ChatRequestRowSchema, result.rows);
  }

  async answer(id: string, targetId: string, state: 'accepted' | 'ignored', fanout: (request: ChatRequestRecord) => readonly Fanout[], now: number): Promise<AnswerOutcome> {
    return inTransaction(this.db, async (tx): Promise<AnswerOutcome> => {
      const row = parseRow(
        ChatRequestRowSchema,
        (await tx.query("SELECT * FROM chat_requests WHERE id = $1 AND target_id = $2 AND state = 'pending' AND expires_at > $3 FOR UPDATE", [id, targetId, now])).rows[0],
      );
      if (row === undefined) return { kind: 'missing' };
      await tx.query('UPDATE chat_requests SET state = $1 WHERE id = $2', [state, id]);
      const answered: ChatRequestRecord = { ...row, state };
      await lockNotificationOrder(tx);
      return { kind: 'answered', request: answered, delivered: await insertFanout(tx, fanout(answered), now) };
    });
  }

  async acceptedAmong(userId: string, candidates: readonly string[]): Promise<readonly string[]> {
    if (candidates.length === 0) return [];
    const result = await this.db.query(
      `SELECT CASE WHEN requester_id = $1 THEN target_id ELSE requester_id END AS peer FROM chat_requests
       WHERE state = 'accepted' AND (requester_id = $1 OR target_id = $1)
         AND (CASE WHEN requester_id = $1 THEN target_id ELSE requester_id END) = ANY($2::text[])`,
      [userId, [...candidates]],
    );
    return [...new Set(parseRows(PeerRowSchema, result.rows).map((row) => row.peer))];
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.query("WITH gone AS (DELETE FROM chat_requests WHERE state != 'accepted' AND expires_at <= $1 RETURNING 1) SELECT count(*)::int AS n FROM gone", [now]);
    return CountSchema.parse(result.rows[0]).n;
  }
}
