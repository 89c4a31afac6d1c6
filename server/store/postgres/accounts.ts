import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { CookieRecord, UserRecord } from '../records';
import type { CodeCheck, CodeRepository, CookieRepository, ProfilePatch, SecretRepository, UserRepository } from '../repositories';
import { CookieRowSchema, parseRow, parseRows, UserRowSchema } from '../sqlite/rows';
import type { PgDatabase } from './database';
import { inTransaction } from './database';

/*
 * Users, codes, cookies and secrets in PostgreSQL: the same tables, columns and row shapes as the
 * SQLite store (sqlite/users.ts, codes.ts, cookies.ts, secrets.ts), so the row schemas are shared.
 */

/** 23505 unique_violation. */
function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === '23505';
}

export class PgUserRepository implements UserRepository {
  constructor(private readonly db: PgDatabase) {}

  async create(user: UserRecord): Promise<'created' | 'email-exists'> {
    try {
      await this.db.query(
        `INSERT INTO users (id, email, name, handle, accent_id, locale, picture, password_hash, second_factor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [user.id, user.email, user.name, user.handle, user.accentId, user.locale, user.picture, user.passwordHash, user.secondFactor ? 1 : 0, user.createdAt],
      );
      return 'created';
    } catch (error) {
      if (isUniqueViolation(error)) return 'email-exists';
      throw error;
    }
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    return parseRow(UserRowSchema, (await this.db.query('SELECT * FROM users WHERE id = $1', [id])).rows[0]);
  }

  async byEmail(email: string): Promise<UserRecord | undefined> {
    return parseRow(UserRowSchema, (await this.db.query('SELECT * FROM users WHERE email = $1', [email])).rows[0]);
  }

  async byHandlePrefix(prefix: string, limit: number): Promise<readonly UserRecord[]> {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    const result = await this.db.query(
      `SELECT * FROM users WHERE handle LIKE $1 ESCAPE '\\'
       ORDER BY (handle = $2) DESC, length(handle), handle LIMIT $3`,
      [`${escaped}%`, prefix, limit],
    );
    return parseRows(UserRowSchema, result.rows);
  }

  async update(id: string, patch: ProfilePatch): Promise<void> {
    await this.db.query(
      `UPDATE users SET name = coalesce($2, name), accent_id = coalesce($3, accent_id), locale = coalesce($4, locale),
         picture = CASE WHEN $5 THEN $6 ELSE picture END WHERE id = $1`,
      [id, patch.name ?? null, patch.accentId ?? null, patch.locale ?? null, patch.picture !== undefined, patch.picture ?? null],
    );
  }

  async setHandle(id: string, handle: string): Promise<'ok' | 'handle-exists'> {
    try {
      await this.db.query('UPDATE users SET handle = $1 WHERE id = $2', [handle, id]);
      return 'ok';
    } catch (error) {
      if (isUniqueViolation(error)) return 'handle-exists';
      throw error;
    }
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, id]);
  }

  async setSecondFactor(id: string, enabled: boolean): Promise<void> {
    await this.db.query('UPDATE users SET second_factor = $1 WHERE id = $2', [enabled ? 1 : 0, id]);
  }
}

const CodeRowSchema = z.object({ code_hash: z.string(), user_id: z.string().nullable(), attempts: z.number().int(), expires_at: z.number().int() });

export class PgCodeRepository implements CodeRepository {
  constructor(private readonly db: PgDatabase) {}

  async put(purpose: string, subject: string, codeHash: string, expiresAt: number, userId?: string): Promise<void> {
    await this.db.query(
      `INSERT INTO codes (purpose, subject, code_hash, user_id, attempts, expires_at) VALUES ($1, $2, $3, $4, 0, $5)
       ON CONFLICT (purpose, subject) DO UPDATE SET code_hash = excluded.code_hash, user_id = excluded.user_id, attempts = 0, expires_at = excluded.expires_at`,
      [purpose, subject, codeHash, userId ?? null, expiresAt],
    );
  }

  private async row(purpose: string, subject: string): Promise<z.infer<typeof CodeRowSchema> | undefined> {
    return parseRow(CodeRowSchema, (await this.db.query('SELECT * FROM codes WHERE purpose = $1 AND subject = $2', [purpose, subject])).rows[0]);
  }

  async owner(purpose: string, subject: string): Promise<string | undefined> {
    return (await this.row(purpose, subject))?.user_id ?? undefined;
  }

  async pending(purpose: string, subject: string, now: number): Promise<boolean> {
    const row = await this.row(purpose, subject);
    return row !== undefined && row.expires_at > now;
  }

  /** The row is locked (`FOR UPDATE`) so that parallel guesses are counted one after another. */
  async consume(purpose: string, subject: string, codeHash: string, now: number, maxAttempts: number): Promise<CodeCheck> {
    return inTransaction(this.db, async (client): Promise<CodeCheck> => {
      const row = parseRow(CodeRowSchema, (await client.query('SELECT * FROM codes WHERE purpose = $1 AND subject = $2 FOR UPDATE', [purpose, subject])).rows[0]);
      if (row === undefined) return 'exhausted';
      const remove = (): Promise<unknown> => client.query('DELETE FROM codes WHERE purpose = $1 AND subject = $2', [purpose, subject]);
      if (row.expires_at <= now) {
        await remove();
        return 'exhausted';
      }
      const expected = Buffer.from(row.code_hash, 'hex');
      const given = Buffer.from(codeHash, 'hex');
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        await remove();
        return 'ok';
      }
      if (row.attempts + 1 >= maxAttempts) await remove();
      else await client.query('UPDATE codes SET attempts = attempts + 1 WHERE purpose = $1 AND subject = $2', [purpose, subject]);
      return 'wrong';
    });
  }

  async delete(purpose: string, subject: string): Promise<void> {
    await this.db.query('DELETE FROM codes WHERE purpose = $1 AND subject = $2', [purpose, subject]);
  }

  async purgeExpired(now: number): Promise<number> {
    return (await this.db.query('DELETE FROM codes WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }
}

export class PgCookieRepository implements CookieRepository {
  constructor(private readonly db: PgDatabase) {}

  /** The user's row is locked first, so two sign-ins at once cannot both keep 32 cookies and add one. */
  async create(cookie: CookieRecord, maxPerKind: number): Promise<void> {
    await inTransaction(this.db, async (client) => {
      await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [cookie.userId]);
      await client.query(
        `DELETE FROM cookies WHERE id IN (
           SELECT id FROM cookies WHERE user_id = $1 AND kind = $2 ORDER BY created_at DESC, ctid DESC OFFSET $3)`,
        [cookie.userId, cookie.kind, maxPerKind - 1],
      );
      await client.query(
        `INSERT INTO cookies (id, user_id, kind, label, client_id, connection, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [cookie.id, cookie.userId, cookie.kind, cookie.label, cookie.clientId, cookie.connection, cookie.createdAt, cookie.expiresAt],
      );
    });
  }

  async find(id: string): Promise<CookieRecord | undefined> {
    return parseRow(CookieRowSchema, (await this.db.query('SELECT * FROM cookies WHERE id = $1', [id])).rows[0]);
  }

  async bindClient(id: string, clientId: string): Promise<void> {
    await this.db.query('UPDATE cookies SET client_id = $1 WHERE id = $2 AND client_id IS NULL', [clientId, id]);
  }

  async delete(id: string): Promise<void> {
    await this.db.query('DELETE FROM cookies WHERE id = $1', [id]);
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.db.query('DELETE FROM cookies WHERE user_id = $1', [userId]);
  }

  async deleteForUserExcept(userId: string, connection: string): Promise<void> {
    await this.db.query('DELETE FROM cookies WHERE user_id = $1 AND connection != $2', [userId, connection]);
  }

  async hasSession(userId: string, connection: string, now: number): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM cookies WHERE user_id = $1 AND connection = $2 AND expires_at > $3 LIMIT 1', [userId, connection, now])).rows.length > 0;
  }

  async deleteForClient(userId: string, clientId: string): Promise<void> {
    await this.db.query('DELETE FROM cookies WHERE user_id = $1 AND client_id = $2', [userId, clientId]);
  }

  async purgeExpired(now: number): Promise<number> {
    return (await this.db.query('DELETE FROM cookies WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }
}

const SecretRowSchema = z.object({ value: z.instanceof(Buffer) });

export class PgSecretRepository implements SecretRepository {
  constructor(private readonly db: PgDatabase) {}

  /** Insert-if-absent, then read: two instances starting at once agree on one secret. */
  async getOrCreate(name: string, create: () => Buffer): Promise<Buffer> {
    const existing = parseRow(SecretRowSchema, (await this.db.query('SELECT value FROM server_secrets WHERE name = $1', [name])).rows[0]);
    if (existing !== undefined) return existing.value;
    await this.db.query('INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, create()]);
    return SecretRowSchema.parse((await this.db.query('SELECT value FROM server_secrets WHERE name = $1', [name])).rows[0]).value;
  }
}
