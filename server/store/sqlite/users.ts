import type { UserRecord } from '../records';
import type { ProfilePatch, UserRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { parseRow, parseRows, UserRowSchema } from './rows';

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class SqliteUserRepository implements UserRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async create(user: UserRecord): Promise<'created' | 'email-exists'> {
    try {
      prepared(this.db, `INSERT INTO users (id, email, name, handle, accent_id, locale, picture, password_hash, second_factor, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          user.id,
          user.email,
          user.name,
          user.handle,
          user.accentId,
          user.locale,
          user.picture,
          user.passwordHash,
          user.secondFactor ? 1 : 0,
          user.createdAt,
        );
      return 'created';
    } catch (error) {
      if (isUniqueViolation(error)) return 'email-exists';
      throw error;
    }
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    return parseRow(UserRowSchema, prepared(this.db, 'SELECT * FROM users WHERE id = ?').get(id));
  }

  async byEmail(email: string): Promise<UserRecord | undefined> {
    return parseRow(UserRowSchema, prepared(this.db, 'SELECT * FROM users WHERE email = ?').get(email));
  }

  async byHandlePrefix(prefix: string, limit: number): Promise<readonly UserRecord[]> {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    return parseRows(
      UserRowSchema,
      prepared(this.db, `SELECT * FROM users WHERE handle LIKE ? ESCAPE '\\'
           ORDER BY (handle = ?) DESC, length(handle), handle LIMIT ?`,
        )
        .all(`${escaped}%`, prefix, limit),
    );
  }

  async update(id: string, patch: ProfilePatch): Promise<void> {
    const current = await this.byId(id);
    if (!current) return;
    prepared(this.db, 'UPDATE users SET name = ?, accent_id = ?, locale = ?, picture = ? WHERE id = ?')
      .run(
        patch.name ?? current.name,
        patch.accentId ?? current.accentId,
        patch.locale ?? current.locale,
        patch.picture === undefined ? current.picture : patch.picture,
        id,
      );
  }

  async setHandle(id: string, handle: string): Promise<'ok' | 'handle-exists'> {
    try {
      prepared(this.db, 'UPDATE users SET handle = ? WHERE id = ?').run(handle, id);
      return 'ok';
    } catch (error) {
      if (isUniqueViolation(error)) return 'handle-exists';
      throw error;
    }
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    prepared(this.db, 'UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  async setSecondFactor(id: string, enabled: boolean): Promise<void> {
    prepared(this.db, 'UPDATE users SET second_factor = ? WHERE id = ?').run(enabled ? 1 : 0, id);
  }
}
