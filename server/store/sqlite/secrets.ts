import type { SecretRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { BlobSchema } from './rows';
import { z } from 'zod';

const SecretRowSchema = z.object({ value: BlobSchema });

export class SqliteSecretRepository implements SecretRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async getOrCreate(name: string, create: () => Buffer): Promise<Buffer> {
    return this.db.transaction((): Buffer => {
      const row = prepared(this.db, 'SELECT value FROM server_secrets WHERE name = ?').get(name);
      if (row !== undefined) return SecretRowSchema.parse(row).value;
      const value = create();
      prepared(this.db, 'INSERT INTO server_secrets (name, value) VALUES (?, ?)').run(name, value);
      return value;
    })();
  }
}
