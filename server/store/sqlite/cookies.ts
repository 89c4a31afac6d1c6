import type { CookieRecord } from '../records';
import type { CookieRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { CookieRowSchema, parseRow } from './rows';

export class SqliteCookieRepository implements CookieRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async create(cookie: CookieRecord, maxPerKind: number): Promise<void> {
    this.db.transaction(() => {
      prepared(this.db, `DELETE FROM cookies WHERE id IN (
             SELECT id FROM cookies WHERE user_id = ? AND kind = ?
             ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
        )
        .run(cookie.userId, cookie.kind, maxPerKind - 1);
      prepared(this.db, `INSERT INTO cookies (id, user_id, kind, label, client_id, connection, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          cookie.id,
          cookie.userId,
          cookie.kind,
          cookie.label,
          cookie.clientId,
          cookie.connection,
          cookie.createdAt,
          cookie.expiresAt,
        );
    })();
  }

  async find(id: string): Promise<CookieRecord | undefined> {
    return parseRow(CookieRowSchema, prepared(this.db, 'SELECT * FROM cookies WHERE id = ?').get(id));
  }

  async bindClient(id: string, clientId: string): Promise<void> {
    prepared(this.db, 'UPDATE cookies SET client_id = ? WHERE id = ? AND client_id IS NULL').run(clientId, id);
  }

  async delete(id: string): Promise<void> {
    prepared(this.db, 'DELETE FROM cookies WHERE id = ?').run(id);
  }

  async deleteForUser(userId: string): Promise<void> {
    prepared(this.db, 'DELETE FROM cookies WHERE user_id = ?').run(userId);
  }

  async deleteForUserExcept(userId: string, connection: string): Promise<void> {
    prepared(this.db, 'DELETE FROM cookies WHERE user_id = ? AND connection != ?').run(userId, connection);
  }

  async hasSession(userId: string, connection: string, now: number): Promise<boolean> {
    // cookies_by_user narrows to the user's few cookies (at most 32 per kind).
    return prepared(this.db, 'SELECT 1 FROM cookies WHERE user_id = ? AND connection = ? AND expires_at > ? LIMIT 1').get(userId, connection, now) !== undefined;
  }

  async deleteForClient(userId: string, clientId: string): Promise<void> {
    prepared(this.db, 'DELETE FROM cookies WHERE user_id = ? AND client_id = ?').run(userId, clientId);
  }

  async purgeExpired(now: number): Promise<number> {
    return prepared(this.db, 'DELETE FROM cookies WHERE expires_at <= ?').run(now).changes;
  }
}
