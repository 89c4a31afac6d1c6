import type { Store } from '../store/repositories';
import { readKeyPackage } from './keyPackage';

/**
 * Binds the MLS signature key of every device that uploaded key packages before the server kept
 * the binding (migration 0008), from one of its own stored packages: those were uploaded with
 * the device's own token, so they carry its own key. A stored package whose credential names
 * another device (possible before uploads were checked) binds nothing. Devices without stored
 * packages get their binding at their next upload. Runs once per start; returns how many keys it
 * bound.
 */
export async function bindStoredSignatureKeys(store: Store): Promise<number> {
  let bound = 0;
  for (const stored of await store.keyPackages.unboundPackages()) {
    const read = readKeyPackage(stored.data);
    if (!read.ok || read.value.identity.userId !== stored.userId || read.value.identity.clientId !== stored.clientId) continue;
    await store.keyPackages.bindSignatureKey({
      userId: stored.userId,
      clientId: stored.clientId,
      cipherSuite: stored.cipherSuite,
      signatureKey: Buffer.from(read.value.keyPackage.leafNode.signaturePublicKey),
    });
    bound += 1;
  }
  return bound;
}
