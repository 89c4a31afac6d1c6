/**
 * The account's devices as the settings list shows them: the server's list, each with the
 * fingerprint this device can vouch for (its own Proteus and MLS keys; the others' MLS keys from
 * the groups shared with them, never the server's word alone) and whether the user verified it.
 */
import { formatFingerprint } from '../crypto/mls/fingerprint';
import type { Device } from '../ipc/contract';
import type { ApiClient } from '../net/apiClient';
import type { ReadableDB } from '../store/handles';
import type { AccountRecord } from './accountRecord';
import { ownFingerprint } from './deviceRegistration';
import { knownDeviceKeys } from '../store/groupDevices';
import { backfillGroupDevices, ownSignatureKey } from './deviceTrust';

export async function listAccountDevices(api: ApiClient, db: ReadableDB, record: AccountRecord): Promise<{ devices: Device[] }> {
  const own = await ownFingerprint(db);
  const { clients } = await api.call('listClients', {});
  // MLS fingerprints: this device's own key, the others' from the groups shared with them.
  backfillGroupDevices(db);
  const ownMls = ownSignatureKey(db);
  const seen = knownDeviceKeys(db, `${record.userId}@${record.domain}`);
  const devices = clients
    .map((c) => {
      const current = c.id === record.clientId;
      const keys = seen.filter((k) => k.clientId === c.id);
      // Two keys for one device would be an attack or a re-join: show neither as verified.
      const key = keys.length === 1 ? keys[0] : undefined;
      const mlsKey = current ? ownMls : key?.signatureKey;
      return {
        id: c.id,
        type: c.type,
        class: c.class,
        model: c.model,
        label: c.label,
        registeredAt: c.time,
        current,
        fingerprint: current ? own : null,
        mlsFingerprint: mlsKey === undefined ? null : formatFingerprint(mlsKey),
        verified: current || (key?.verified ?? false),
      };
    })
    .sort((a, b) => Number(b.current) - Number(a.current) || b.registeredAt.localeCompare(a.registeredAt));
  return { devices };
}
