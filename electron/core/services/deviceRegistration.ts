/**
 * Registers this computer as a device (a "client") of the signed-in account, as seed 002
 * describes: a long-term Proteus identity, 100 one-time prekeys plus the last-resort prekey
 * published with the registration, and — for MLS — a signature key and 100 key packages. Every
 * private part stays in the encrypted database; the server only ever sees public keys.
 */
import os from 'node:os';
import type { Result } from '../../../protocol/result';
import type { Client } from '../../../protocol/api/clients';
import { DEFAULT_MLS_SUITE, loadSuite } from '../crypto/mls/cipherSuites';
import { generateKeyPackages } from '../crypto/mls/keyPackages';
import { KEY_PACKAGE_TARGET } from '../crypto/mls/keyPackageRefill';
import { createSigner, encodeSigner } from '../crypto/mls/mlsSigner';
import { loadProteus } from '../crypto/proteus/proteusApi';
import { CoreError } from '../ipc/errors';
import type { ApiClient } from '../net/apiClient';
import type { Db } from '../store/migration';

export interface RegisteredDevice {
  readonly clientId: string;
  /** Fingerprint of the Proteus identity key, for manual verification (seed 002). */
  readonly fingerprint: string;
}

export interface DeviceOwner {
  readonly userId: string;
  readonly domain: string;
  readonly password: string;
  readonly temporary: boolean;
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw CoreError.from(result.error);
  return result.value;
}

/**
 * Creates the device's keys, registers it with the server (the password is asked again, as
 * seed 002 requires) and uploads its MLS key packages. The keys are written to the database in
 * one transaction once the server knows the device.
 */
export async function registerDevice(api: ApiClient, db: Db, owner: DeviceOwner, now = Date.now()): Promise<RegisteredDevice> {
  const proteus = await loadProteus();
  const identity = value(proteus.generateIdentity());
  const plan = proteus.planPrekeyRefill(0, 0);
  const prekeys = value(proteus.generatePrekeys(plan.startId, plan.count));
  const lastResort = value(proteus.generateLastResortPrekey());
  const published = value(proteus.clientRegistrationPrekeys(identity, prekeys, lastResort));

  const client: Client = await api.call('addClient', {
    body: {
      password: owner.password,
      type: owner.temporary ? 'temporary' : 'permanent',
      class: 'desktop',
      model: 'Cairn Desktop',
      label: os.hostname().slice(0, 128) || 'Computer',
      ...published,
    },
  });
  api.session.clientId = client.id;
  // MLS routes need an access token bound to the new device.
  api.session.dropToken();

  const suite = value(await loadSuite(DEFAULT_MLS_SUITE));
  const signer = await createSigner({ userId: owner.userId, clientId: client.id, domain: owner.domain }, suite);
  const packages = await generateKeyPackages(signer, suite, KEY_PACKAGE_TARGET);
  await api.call('uploadKeyPackages', {
    params: { client: client.id },
    body: { keyPackages: packages.map((p) => Buffer.from(p.message).toString('base64')) },
  });

  const store = db.transaction(() => {
    db.prepare(
      `INSERT INTO device (singleton, client_id, user_id, domain, temporary, proteus_identity, next_prekey_id, registered_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET client_id = excluded.client_id, user_id = excluded.user_id,
         domain = excluded.domain, temporary = excluded.temporary, proteus_identity = excluded.proteus_identity,
         next_prekey_id = excluded.next_prekey_id, registered_at = excluded.registered_at`,
    ).run(client.id, owner.userId, owner.domain, owner.temporary ? 1 : 0, value(proteus.encodeIdentity(identity)), plan.nextStartId, now);
    db.prepare('DELETE FROM proteus_prekeys').run();
    const insertPrekey = db.prepare('INSERT INTO proteus_prekeys (id, data) VALUES (?, ?)');
    for (const prekey of [...prekeys, lastResort]) insertPrekey.run(prekey.id, value(proteus.encodePrekey(prekey)));
    db.prepare('INSERT OR REPLACE INTO mls_signers (suite, data) VALUES (?, ?)').run(DEFAULT_MLS_SUITE, encodeSigner(signer));
    const insertPackage = db.prepare('INSERT OR REPLACE INTO mls_key_packages (ref, suite, data, created_at) VALUES (?, ?, ?, ?)');
    for (const p of packages) insertPackage.run(p.ref, DEFAULT_MLS_SUITE, p.stored, now);
  });
  store();
  return { clientId: client.id, fingerprint: proteus.fingerprint(identity.keyPair.publicKey) };
}

/** This device's registration as stored, or undefined before it is registered. */
export function storedDevice(db: Db): { clientId: string; temporary: boolean } | undefined {
  const row: unknown = db.prepare('SELECT client_id, temporary FROM device WHERE singleton = 1').get();
  if (typeof row !== 'object' || row === null || !('client_id' in row) || typeof row.client_id !== 'string') return undefined;
  return { clientId: row.client_id, temporary: 'temporary' in row && row.temporary === 1 };
}

/** Fingerprint of this device's Proteus identity, or null before registration. */
export async function ownFingerprint(db: Db): Promise<string | null> {
  const bytes: unknown = db.prepare('SELECT proteus_identity FROM device WHERE singleton = 1').pluck().get();
  if (!(bytes instanceof Uint8Array)) return null;
  const proteus = await loadProteus();
  const identity = proteus.decodeIdentity(bytes);
  return identity.ok ? proteus.fingerprint(identity.value.keyPair.publicKey) : null;
}

