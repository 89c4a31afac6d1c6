/**
 * Keeps this device reachable: others claim its MLS key packages (to add it to groups) and its
 * Proteus prekeys (to start sessions), one each time, so the server's stock runs down. Seed 002:
 * 100 key packages per suite, refilled below 50; 100 unused prekeys kept on the server.
 * Runs whenever the device (re)connects, and at most once a minute.
 */
import { DEFAULT_MLS_SUITE } from '../crypto/mls/cipherSuites';
import { keyPackagesToUpload } from '../crypto/mls/keyPackageRefill';
import type { MlsEngine } from '../crypto/mls/mlsEngine';
import { loadProteus } from '../crypto/proteus/proteusApi';
import { CoreError } from '../ipc/errors';
import type { DeviceContext } from '../session/device';
import { nextPrekeyId, proteusIdentity, savePrekeys, saveKeyPackages, setNextPrekeyId } from '../store/device';
import { writeTransaction } from '../store/handles';

const PREKEY_REFILL_BELOW = 50;

export interface KeyStock {
  readonly keyPackages: number;
  readonly prekeys: number;
}

export async function keyStock(device: DeviceContext): Promise<KeyStock> {
  const params = { client: device.clientId };
  const [packages, prekeys] = await Promise.all([
    device.api.call('countKeyPackages', { params, query: { ciphersuite: DEFAULT_MLS_SUITE } }),
    device.api.call('countPrekeys', { params }),
  ]);
  return { keyPackages: packages.count, prekeys: prekeys.count };
}

/** Uploads what is missing; returns how many of each were added. */
export async function refillKeys(device: DeviceContext, engine: MlsEngine): Promise<KeyStock> {
  const { api, db, clientId } = device;
  const stock = await keyStock(device);
  let keyPackages = 0;
  let prekeys = 0;

  const missingPackages = keyPackagesToUpload(stock.keyPackages);
  if (missingPackages > 0) {
    const generated = await engine.generateKeyPackages(missingPackages);
    if (!generated.ok) throw CoreError.from(generated.error);
    await api.call('uploadKeyPackages', {
      params: { client: clientId },
      body: { keyPackages: generated.value.map((p) => Buffer.from(p.message).toString('base64')) },
    });
    const now = Date.now();
    writeTransaction(db, (tx) => saveKeyPackages(tx, DEFAULT_MLS_SUITE, generated.value, now));
    keyPackages = generated.value.length;
  }

  if (stock.prekeys < PREKEY_REFILL_BELOW) {
    const proteus = await loadProteus();
    const identityBytes = proteusIdentity(db);
    const nextStart = nextPrekeyId(db);
    if (identityBytes === undefined || nextStart === undefined) throw new CoreError('device-not-registered');
    const identity = proteus.decodeIdentity(identityBytes);
    if (!identity.ok) throw CoreError.from(identity.error);
    const plan = proteus.planPrekeyRefill(stock.prekeys, nextStart);
    const fresh = proteus.generatePrekeys(plan.startId, plan.count);
    if (!fresh.ok) throw CoreError.from(fresh.error);
    const published = fresh.value.map((p) => {
      const server = proteus.serverPrekey(identity.value, p);
      if (!server.ok) throw CoreError.from(server.error);
      return server.value;
    });
    // Private halves first: a prekey the server hands out must already be ours to answer.
    const stored = fresh.value.map((p) => {
      const encoded = proteus.encodePrekey(p);
      if (!encoded.ok) throw CoreError.from(encoded.error);
      return { id: p.id, data: encoded.value };
    });
    writeTransaction(db, (tx) => savePrekeys(tx, stored));
    await api.call('uploadPrekeys', { params: { client: clientId }, body: { prekeys: published } });
    writeTransaction(db, (tx) => setNextPrekeyId(tx, plan.nextStartId));
    prekeys = fresh.value.length;
  }
  return { keyPackages, prekeys };
}
