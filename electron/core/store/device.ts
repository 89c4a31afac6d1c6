/**
 * This device's own keys (seed 002): table `device` (the one registration row: client id,
 * owner, long-term Proteus identity, next prekey id), `proteus_prekeys` (one-time prekeys and the
 * last-resort one), `mls_signers` (the MLS signature key per cipher suite) and
 * `mls_key_packages` (the private halves of the key packages published at the server). Every
 * private part stays in the encrypted database; the server only ever sees public keys.
 */
import type { ReadableDB, WritableDB } from './handles';
import { cachedStatement } from './statements';

/** A key package's private half, under the reference the server hands out with the Welcome. */
export type StoredKeyPackage = Readonly<{ ref: Uint8Array; stored: Uint8Array }>;

/** A Proteus prekey, encoded (its id is public, the data holds the private key). */
export type StoredPrekey = Readonly<{ id: number; data: Uint8Array }>;

/**
 * Stores a new registration in one transaction: the device row (replacing an older one), its
 * prekeys (replacing all), its MLS signer and key packages.
 */
export function saveRegistration(
  tx: WritableDB,
  registration: Readonly<{
    clientId: string;
    userId: string;
    domain: string;
    temporary: boolean;
    proteusIdentity: Uint8Array;
    nextPrekeyId: number;
    prekeys: readonly StoredPrekey[];
    suite: number;
    signer: Uint8Array;
    keyPackages: readonly StoredKeyPackage[];
  }>,
  now: number,
): void {
  const r = registration;
  cachedStatement(
    tx,
    `INSERT INTO device (singleton, client_id, user_id, domain, temporary, proteus_identity, next_prekey_id, registered_at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET client_id = excluded.client_id, user_id = excluded.user_id,
       domain = excluded.domain, temporary = excluded.temporary, proteus_identity = excluded.proteus_identity,
       next_prekey_id = excluded.next_prekey_id, registered_at = excluded.registered_at`,
  ).run(r.clientId, r.userId, r.domain, r.temporary ? 1 : 0, r.proteusIdentity, r.nextPrekeyId, now);
  cachedStatement(tx, 'DELETE FROM proteus_prekeys').run();
  const insertPrekey = cachedStatement(tx, 'INSERT INTO proteus_prekeys (id, data) VALUES (?, ?)');
  for (const prekey of r.prekeys) insertPrekey.run(prekey.id, prekey.data);
  cachedStatement(tx, 'INSERT OR REPLACE INTO mls_signers (suite, data) VALUES (?, ?)').run(r.suite, r.signer);
  saveKeyPackages(tx, r.suite, r.keyPackages, now);
}

/** This device's registration as stored, or undefined before it is registered. */
export function storedDevice(db: ReadableDB): { clientId: string; temporary: boolean } | undefined {
  const row: unknown = cachedStatement(db, 'SELECT client_id, temporary FROM device WHERE singleton = 1').get();
  if (typeof row !== 'object' || row === null || !('client_id' in row) || typeof row.client_id !== 'string') return undefined;
  return { clientId: row.client_id, temporary: 'temporary' in row && row.temporary === 1 };
}

/** The encoded long-term Proteus identity, or undefined before registration. */
export function proteusIdentity(db: ReadableDB): Uint8Array | undefined {
  const bytes: unknown = cachedStatement(db, 'SELECT proteus_identity FROM device WHERE singleton = 1').pluck().get();
  return bytes instanceof Uint8Array ? bytes : undefined;
}

/** The id the next generated prekey gets, or undefined before registration. */
export function nextPrekeyId(db: ReadableDB): number | undefined {
  const next: unknown = cachedStatement(db, 'SELECT next_prekey_id FROM device WHERE singleton = 1').pluck().get();
  return typeof next === 'number' ? next : undefined;
}

export function setNextPrekeyId(tx: WritableDB, next: number): void {
  cachedStatement(tx, 'UPDATE device SET next_prekey_id = ? WHERE singleton = 1').run(next);
}

/** Adds prekeys (an id already stored is replaced). */
export function savePrekeys(tx: WritableDB, prekeys: readonly StoredPrekey[]): void {
  const insert = cachedStatement(tx, 'INSERT OR REPLACE INTO proteus_prekeys (id, data) VALUES (?, ?)');
  for (const prekey of prekeys) insert.run(prekey.id, prekey.data);
}

/** The encoded MLS signer of a cipher suite, or undefined before registration. */
export function mlsSigner(db: ReadableDB, suite: number): Uint8Array | undefined {
  const bytes: unknown = cachedStatement(db, 'SELECT data FROM mls_signers WHERE suite = ?').pluck().get(suite);
  return bytes instanceof Uint8Array ? bytes : undefined;
}

/** Adds key packages' private halves (a reference already stored is replaced). */
export function saveKeyPackages(tx: WritableDB, suite: number, packages: readonly StoredKeyPackage[], now: number): void {
  const insert = cachedStatement(tx, 'INSERT OR REPLACE INTO mls_key_packages (ref, suite, data, created_at) VALUES (?, ?, ?, ?)');
  for (const p of packages) insert.run(p.ref, suite, p.stored, now);
}

/** The private half of the key package with this reference, or undefined (never ours, or used). */
export function keyPackage(db: ReadableDB, ref: Uint8Array): Uint8Array | undefined {
  const data: unknown = cachedStatement(db, 'SELECT data FROM mls_key_packages WHERE ref = ?').pluck().get(ref);
  return data instanceof Uint8Array ? data : undefined;
}

/** Drops a used key package: a Welcome for it was accepted (key packages are single-use, RFC 9420 §16.8). */
export function removeKeyPackage(tx: WritableDB, ref: Uint8Array): void {
  cachedStatement(tx, 'DELETE FROM mls_key_packages WHERE ref = ?').run(ref);
}
