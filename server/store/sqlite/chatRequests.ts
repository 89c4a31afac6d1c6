import { z } from 'zod';
import type { ChatRequestRecord, Fanout } from '../records';
import type { AnswerOutcome, ChatRequestOutcome, ChatRequestRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { insertFanout } from './queue';
import { parseRow, parseRows } from './rows';
import { prepared } from './statements';

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

export class SqliteChatRequestRepository implements ChatRequestRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async create(request: ChatRequestRecord, fanout: (created: ChatRequestRecord) => readonly Fanout[], now: number): Promise<ChatRequestOutcome> {
    return this.db.transaction((): ChatRequestOutcome => {
      const blocking = prepared(
        this.db,
        "SELECT 1 FROM chat_requests WHERE requester_id = ? AND target_id = ? AND (state = 'accepted' OR expires_at > ?) LIMIT 1",
      ).get(request.requesterId, request.targetId, now);
      if (blocking !== undefined) return { kind: 'exists' };
      prepared(this.db, "DELETE FROM chat_requests WHERE requester_id = ? AND target_id = ? AND state != 'accepted'").run(request.requesterId, request.targetId);
      prepared(this.db, 'INSERT INTO chat_requests (id, requester_id, target_id, state, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        request.id,
        request.requesterId,
        request.targetId,
        request.state,
        request.createdAt,
        request.expiresAt,
      );
      return { kind: 'created', request, delivered: insertFanout(this.db, fanout(request), now) };
    })();
  }

  async pendingFor(targetId: string, now: number): Promise<readonly ChatRequestRecord[]> {
    return parseRows(
      ChatRequestRowSchema,
      prepared(this.db, "SELECT * FROM chat_requests WHERE target_id = ? AND state = 'pending' AND expires_at > ? ORDER BY created_at, id").all(targetId, now),
    );
  }

  async answer(id: string, targetId: string, state: 'accepted' | 'ignored', fanout: (request: ChatRequestRecord) => readonly Fanout[], now: number): Promise<AnswerOutcome> {
    return this.db.transaction((): AnswerOutcome => {
      const row = parseRow(
        ChatRequestRowSchema,
        prepared(this.db, "SELECT * FROM chat_requests WHERE id = ? AND target_id = ? AND state = 'pending' AND expires_at > ?").get(id, targetId, now),
      );
      if (row === undefined) return { kind: 'missing' };
      prepared(this.db, 'UPDATE chat_requests SET state = ? WHERE id = ?').run(state, id);
      const answered: ChatRequestRecord = { ...row, state };
      return { kind: 'answered', request: answered, delivered: insertFanout(this.db, fanout(answered), now) };
    })();
  }

  async acceptedAmong(userId: string, candidates: readonly string[]): Promise<readonly string[]> {
    if (candidates.length === 0) return [];
    const rows = parseRows(
      PeerRowSchema,
      prepared(
        this.db,
        `SELECT CASE WHEN requester_id = @user THEN target_id ELSE requester_id END AS peer FROM chat_requests
         WHERE state = 'accepted' AND (requester_id = @user OR target_id = @user)
           AND (CASE WHEN requester_id = @user THEN target_id ELSE requester_id END) IN (SELECT value FROM json_each(@candidates))`,
      ).all({ user: userId, candidates: JSON.stringify(candidates) }),
    );
    return [...new Set(rows.map((row) => row.peer))];
  }

  async purgeExpired(now: number): Promise<number> {
    return prepared(this.db, "DELETE FROM chat_requests WHERE state != 'accepted' AND expires_at <= ?").run(now).changes;
  }
}
