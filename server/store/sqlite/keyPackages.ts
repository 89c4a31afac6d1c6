import { z } from 'zod';
import type { ClientRef, KeyPackageRecord, KeyPackageUpload, SignatureKeyRecord } from '../records';
import type { KeyPackageRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';
import { BlobSchema, CountRowSchema, parseRow, parseRows } from './rows';

const ClientIdRowSchema = z.object({ id: z.string() });
const PackageRowSchema = z.object({ seq: z.number().int(), cipher_suite: z.number().int(), data: BlobSchema });
const SignatureKeyRowSchema = z.object({ user_id: z.string(), client_id: z.string(), cipher_suite: z.number().int(), signature_key: BlobSchema });
const UnboundRowSchema = z.object({ user_id: z.string(), client_id: z.string(), cipher_suite: z.number().int(), data: BlobSchema });
const BoundKeyRowSchema = z.object({ signature_key: BlobSchema });

class SignatureKeyMismatch extends Error {}

export class SqliteKeyPackageRepository implements KeyPackageRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async upload(
    userId: string,
    clientId: string,
    packages: readonly KeyPackageUpload[],
  ): Promise<Readonly<{ ok: true; count: number }> | Readonly<{ ok: false; reason: 'signature-key-mismatch' }>> {
    const store = this.db.transaction((): void => {
      const bind = prepared(this.db, 'INSERT OR IGNORE INTO client_mls_keys (user_id, client_id, cipher_suite, signature_key) VALUES (?, ?, ?, ?)');
      const bound = prepared(this.db, 'SELECT signature_key FROM client_mls_keys WHERE user_id = ? AND client_id = ? AND cipher_suite = ?');
      for (const keyPackage of packages) {
        bind.run(userId, clientId, keyPackage.cipherSuite, Buffer.from(keyPackage.signatureKey));
        const row = parseRow(BoundKeyRowSchema, bound.get(userId, clientId, keyPackage.cipherSuite));
        // Thrown to roll back the keys this batch bound for other suites as well.
        if (row === undefined || !row.signature_key.equals(keyPackage.signatureKey)) throw new SignatureKeyMismatch();
      }
      const insert = prepared(this.db, 'INSERT INTO key_packages (user_id, client_id, cipher_suite, data) VALUES (?, ?, ?, ?)');
      for (const keyPackage of packages) insert.run(userId, clientId, keyPackage.cipherSuite, keyPackage.data);
    });
    try {
      // Immediate: the first upload's binding and a concurrent one's check must not interleave.
      store.immediate();
    } catch (error) {
      if (error instanceof SignatureKeyMismatch) return { ok: false, reason: 'signature-key-mismatch' };
      throw error;
    }
    return { ok: true, count: packages.length };
  }

  async signatureKeys(clients: readonly ClientRef[]): Promise<readonly SignatureKeyRecord[]> {
    const select = prepared(this.db, 'SELECT user_id, client_id, cipher_suite, signature_key FROM client_mls_keys WHERE user_id = ? AND client_id = ?');
    return clients.flatMap((client) =>
      parseRows(SignatureKeyRowSchema, select.all(client.userId, client.clientId)).map((row) => ({
        userId: row.user_id,
        clientId: row.client_id,
        cipherSuite: row.cipher_suite,
        signatureKey: row.signature_key,
      })),
    );
  }

  async unboundPackages(): Promise<readonly (KeyPackageRecord & Readonly<{ userId: string }>)[]> {
    const rows = parseRows(
      UnboundRowSchema,
      prepared(
        this.db,
        `SELECT k.user_id, k.client_id, k.cipher_suite, k.data FROM key_packages k
           WHERE k.seq IN (SELECT min(seq) FROM key_packages GROUP BY user_id, client_id, cipher_suite)
             AND NOT EXISTS (SELECT 1 FROM client_mls_keys b
                              WHERE b.user_id = k.user_id AND b.client_id = k.client_id AND b.cipher_suite = k.cipher_suite)`,
      ).all(),
    );
    return rows.map((row) => ({ userId: row.user_id, clientId: row.client_id, cipherSuite: row.cipher_suite, data: row.data }));
  }

  async bindSignatureKey(record: SignatureKeyRecord): Promise<void> {
    prepared(this.db, 'INSERT OR IGNORE INTO client_mls_keys (user_id, client_id, cipher_suite, signature_key) VALUES (?, ?, ?, ?)').run(
      record.userId,
      record.clientId,
      record.cipherSuite,
      record.signatureKey,
    );
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
