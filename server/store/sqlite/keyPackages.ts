import { z } from 'zod';
import type { ClientRef, KeyPackageRecord } from '../records';
import type { KeyPackageRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { BlobSchema, CountRowSchema, parseRow, parseRows } from './rows';

const ClientIdRowSchema = z.object({ id: z.string() });
const PackageRowSchema = z.object({ seq: z.number().int(), cipher_suite: z.number().int(), data: BlobSchema });

export class SqliteKeyPackageRepository implements KeyPackageRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async upload(userId: string, clientId: string, packages: readonly Omit<KeyPackageRecord, 'clientId'>[]): Promise<number> {
    return this.db.transaction((): number => {
      const insert = prepared(this.db, 'INSERT INTO key_packages (user_id, client_id, cipher_suite, data) VALUES (?, ?, ?, ?)');
      for (const keyPackage of packages) insert.run(userId, clientId, keyPackage.cipherSuite, keyPackage.data);
      return packages.length;
    })();
  }

  async count(userId: string, clientId: string, cipherSuite: number): Promise<number> {
    return CountRowSchema.parse(
      prepared(this.db, 'SELECT count(*) AS n FROM key_packages WHERE user_id = ? AND client_id = ? AND cipher_suite = ?')
        .get(userId, clientId, cipherSuite),
    ).n;
  }

  /**
   * Select-and-delete inside one immediate transaction: SQLite serializes writers, so two claims
   * can never return the same row (seed 002: "returns every key package only once").
   */
  async claim(userId: string, cipherSuite: number, except: ClientRef | undefined): Promise<readonly KeyPackageRecord[]> {
    const claimAll = this.db.transaction((): KeyPackageRecord[] => {
      const clients = parseRows(ClientIdRowSchema, prepared(this.db, 'SELECT id FROM clients WHERE user_id = ? ORDER BY id').all(userId));
      const claimed: KeyPackageRecord[] = [];
      for (const { id: clientId } of clients) {
        if (except && except.userId === userId && except.clientId === clientId) continue;
        const row = parseRow(
          PackageRowSchema,
          prepared(this.db, 'SELECT seq, cipher_suite, data FROM key_packages WHERE user_id = ? AND client_id = ? AND cipher_suite = ? ORDER BY seq LIMIT 1',
            )
            .get(userId, clientId, cipherSuite),
        );
        if (row === undefined) continue;
        prepared(this.db, 'DELETE FROM key_packages WHERE seq = ?').run(row.seq);
        claimed.push({ clientId, cipherSuite: row.cipher_suite, data: row.data });
      }
      return claimed;
    });
    return claimAll.immediate();
  }
}
