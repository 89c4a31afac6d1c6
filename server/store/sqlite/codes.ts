import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { CodeCheck, CodeRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { parseRow } from './rows';

const CodeRowSchema = z.object({ code_hash: z.string(), user_id: z.string().nullable(), attempts: z.number().int(), expires_at: z.number().int() });

export class SqliteCodeRepository implements CodeRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async put(purpose: string, subject: string, codeHash: string, expiresAt: number, userId?: string): Promise<void> {
    prepared(this.db, 'INSERT OR REPLACE INTO codes (purpose, subject, code_hash, user_id, attempts, expires_at) VALUES (?, ?, ?, ?, 0, ?)')
      .run(purpose, subject, codeHash, userId ?? null, expiresAt);
  }

  async owner(purpose: string, subject: string): Promise<string | undefined> {
    const row = parseRow(CodeRowSchema, prepared(this.db, 'SELECT * FROM codes WHERE purpose = ? AND subject = ?').get(purpose, subject));
    return row?.user_id ?? undefined;
  }

  async pending(purpose: string, subject: string, now: number): Promise<boolean> {
    const row = parseRow(CodeRowSchema, prepared(this.db, 'SELECT * FROM codes WHERE purpose = ? AND subject = ?').get(purpose, subject));
    return row !== undefined && row.expires_at > now;
  }

  async consume(purpose: string, subject: string, codeHash: string, now: number, maxAttempts: number): Promise<CodeCheck> {
    return this.db.transaction((): CodeCheck => {
      const row = parseRow(
        CodeRowSchema,
        prepared(this.db, 'SELECT * FROM codes WHERE purpose = ? AND subject = ?').get(purpose, subject),
      );
      if (row === undefined) return 'exhausted';
      const remove = prepared(this.db, 'DELETE FROM codes WHERE purpose = ? AND subject = ?');
      if (row.expires_at <= now) {
        remove.run(purpose, subject);
        return 'exhausted';
      }
      const expected = Buffer.from(row.code_hash, 'hex');
      const given = Buffer.from(codeHash, 'hex');
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        remove.run(purpose, subject);
        return 'ok';
      }
      if (row.attempts + 1 >= maxAttempts) {
        remove.run(purpose, subject);
      } else {
        prepared(this.db, 'UPDATE codes SET attempts = attempts + 1 WHERE purpose = ? AND subject = ?').run(purpose, subject);
      }
      return 'wrong';
    })();
  }

  async delete(purpose: string, subject: string): Promise<void> {
    prepared(this.db, 'DELETE FROM codes WHERE purpose = ? AND subject = ?').run(purpose, subject);
  }

  async purgeExpired(now: number): Promise<number> {
    return prepared(this.db, 'DELETE FROM codes WHERE expires_at <= ?').run(now).changes;
  }
}
