import { z } from 'zod';
import type { ClientRef, KeyPackageRecord, KeyPackageUpload, SignatureKeyRecord } from '../records';
import type { KeyPackageRepository } from '../repositories';
import { BlobSchema, CountRowSchema, parseRow, parseRows } from '../sqlite/rows';
import type { PgDatabase } from './database';
import { inTransaction } from './database';

const ClientIdRowSchema = z.object({ id: z.string() });
const PackageRowSchema = z.object({ cipher_suite: z.number().int(), data: BlobSchema });
const SignatureKeyRowSchema = z.object({ user_id: z.string(), client_id: z.string(), cipher_suite: z.number().int(), signature_key: BlobSchema });
const UnboundRowSchema = z.object({ user_id: z.string(), client_id: z.string(), cipher_suite: z.number().int(), data: BlobSchema });
const BoundKeyRowSchema = z.object({ signature_key: BlobSchema });

class SignatureKeyMismatch extends Error {}

/** MLS key packages in PostgreSQL: the same tables and answers as sqlite/keyPackages.ts. */
export class PgKeyPackageRepository implements KeyPackageRepository {
  constructor(private readonly db: PgDatabase) {}

  /**
   * Binding is insert-if-absent on the key's primary key: a concurrent first upload with another
   * key waits on that key's row and then sees it bound, so only one key is ever bound.
   */
  async upload(
    userId: string,
    clientId: string,
    packages: readonly KeyPackageUpload[],
  ): Promise<Readonly<{ ok: true; count: number }> | Readonly<{ ok: false; reason: 'signature-key-mismatch' }>> {
    try {
      await inTransaction(this.db, async (client) => {
        for (const keyPackage of packages) {
          await client.query(
            'INSERT INTO client_mls_keys (user_id, client_id, cipher_suite, signature_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
            [userId, clientId, keyPackage.cipherSuite, Buffer.from(keyPackage.signatureKey)],
          );
          const row = parseRow(
            BoundKeyRowSchema,
            (await client.query('SELECT signature_key FROM client_mls_keys WHERE user_id = $1 AND client_id = $2 AND cipher_suite = $3', [userId, clientId, keyPackage.cipherSuite]))
              .rows[0],
          );
          // Thrown to roll back the keys this batch bound for other suites as well.
          if (row === undefined || !row.signature_key.equals(keyPackage.signatureKey)) throw new SignatureKeyMismatch();
        }
        for (const keyPackage of packages) {
          await client.query('INSERT INTO key_packages (user_id, client_id, cipher_suite, data) VALUES ($1, $2, $3, $4)', [userId, clientId, keyPackage.cipherSuite, keyPackage.data]);
        }
      });
    } catch (error) {
      if (error instanceof SignatureKeyMismatch) return { ok: false, reason: 'signature-key-mismatch' };
      throw error;
    }
    return { ok: true, count: packages.length };
  }

  async signatureKeys(clients: readonly ClientRef[]): Promise<readonly SignatureKeyRecord[]> {
    const records: SignatureKeyRecord[] = [];
    for (const ref of clients) {
      const result = await this.db.query('SELECT user_id, client_id, cipher_suite, signature_key FROM client_mls_keys WHERE user_id = $1 AND client_id = $2 ORDER BY cipher_suite', [
        ref.userId,
        ref.clientId,
      ]);
      for (const row of parseRows(SignatureKeyRowSchema, result.rows)) {
        records.push({ userId: row.user_id, clientId: row.client_id, cipherSuite: row.cipher_suite, signatureKey: row.signature_key });
      }
    }
    return records;
  }

  async unboundPackages(): Promise<readonly (KeyPackageRecord & Readonly<{ userId: string }>)[]> {
    const result = await this.db.query(
      `SELECT k.user_id, k.client_id, k.cipher_suite, k.data FROM key_packages k
         WHERE k.seq IN (SELECT min(seq) FROM key_packages GROUP BY user_id, client_id, cipher_suite)
           AND NOT EXISTS (SELECT 1 FROM client_mls_keys b
                            WHERE b.user_id = k.user_id AND b.client_id = k.client_id AND b.cipher_suite = k.cipher_suite)`,
    );
    return parseRows(UnboundRowSchema, result.rows).map((row) => ({ userId: row.user_id, clientId: row.client_id, cipherSuite: row.cipher_suite, data: row.data }));
  }

  async bindSignatureKey(record: SignatureKeyRecord): Promise<void> {
    await this.db.query('INSERT INTO client_mls_keys (user_id, client_id, cipher_suite, signature_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      record.userId,
      record.clientId,
      record.cipherSuite,
      record.signatureKey,
    ]);
  }

  async count(userId: string, clientId: string, cipherSuite: number): Promise<number> {
    const result = await this.db.query('SELECT count(*)::integer AS n FROM key_packages WHERE user_id = $1 AND client_id = $2 AND cipher_suite = $3', [userId, clientId, cipherSuite]);
    return CountRowSchema.parse(result.rows[0]).n;
  }

  /**
   * Each device's oldest package is deleted and returned in one statement; `FOR UPDATE SKIP
   * LOCKED` makes a concurrent claim take the next package instead of the same one, so no
   * package is ever handed out twice (seed 002: "returns every key package only once").
   */
  async claim(userId: string, cipherSuite: number, except: ClientRef | undefined): Promise<readonly KeyPackageRecord[]> {
    const clients = parseRows(ClientIdRowSchema, (await this.db.query('SELECT id FROM clients WHERE user_id = $1 ORDER BY id', [userId])).rows);
    const claimed: KeyPackageRecord[] = [];
    for (const { id: clientId } of clients) {
      if (except && except.userId === userId && except.clientId === clientId) continue;
      const result = await this.db.query(
        `DELETE FROM key_packages WHERE seq = (
           SELECT seq FROM key_packages WHERE user_id = $1 AND client_id = $2 AND cipher_suite = $3 ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING cipher_suite, data`,
        [userId, clientId, cipherSuite],
      );
      const row = parseRow(PackageRowSchema, result.rows[0]);
      if (row !== undefined) claimed.push({ clientId, cipherSuite: row.cipher_suite, data: row.data });
    }
    return claimed;
  }
}
