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
import { proteusIdentity, saveRegistration } from '../store/device';
import type { ReadableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';

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
export async function registerDevice(api: ApiClient, db: ReadableDB, owner: DeviceOwner, now = Date.now()): Promise<RegisteredDevice> {
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

  const proteusIdentity = value(proteus.encodeIdentity(identity));
  const storedPrekeys = [...prekeys, lastResort].map((prekey) => ({ id: prekey.id, data: value(proteus.encodePrekey(prekey)) }));
  writeTransaction(db, (tx) =>
    saveRegistration(
      tx,
      {
        clientId: client.id,
        userId: owner.userId,
        domain: owner.domain,
        temporary: owner.temporary,
        proteusIdentity,
        nextPrekeyId: plan.nextStartId,
        prekeys: storedPrekeys,
        suite: DEFAULT_MLS_SUITE,
        signer: encodeSigner(signer),
        keyPackages: packages,
      },
      now,
    ),
  );
  return { clientId: client.id, fingerprint: proteus.fingerprint(identity.keyPair.publicKey) };
}

/** Fingerprint of this device's Proteus identity, or null before registration. */
export async function ownFingerprint(db: ReadableDB): Promise<string | null> {
  const bytes = proteusIdentity(db);
  if (bytes === undefined) return null;
  const proteus = await loadProteus();
  const identity = proteus.decodeIdentity(bytes);
  return identity.ok ? proteus.fingerprint(identity.value.keyPair.publicKey) : null;
}

