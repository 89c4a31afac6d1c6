import type { CiphersuiteImpl, CiphersuiteName } from 'ts-mls';
import { getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import { guarded, mlsError } from './mlsErrors';
import { nodeCryptoProvider, selfTest } from './nodeProvider/nodeCryptoProvider';

/**
 * The cipher suites Cairn offers (ARCHITECTURE.md "Crypto", after seed 002): X25519 by default,
 * the NIST curves when a team or server asks for them (P-256 is Wire's cloud default), and the
 * X-Wing hybrid (ML-KEM-768 + X25519) only when explicitly chosen — it is new, its keys are
 * large (1216-byte HPKE keys), and OpenMLS in core-crypto 10.3 cannot interoperate with it.
 * Numbers are the RFC 9420 / IANA code points, the same ones `protocol/api/mls.ts` carries.
 */
export const MLS_SUITES = {
  1: { name: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519', optIn: false },
  2: { name: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256', optIn: false },
  7: { name: 'MLS_256_DHKEMP384_AES256GCM_SHA384_P384', optIn: false },
  5: { name: 'MLS_256_DHKEMP521_AES256GCM_SHA512_P521', optIn: false },
  83: { name: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519', optIn: true },
} as const satisfies Record<number, { name: CiphersuiteName; optIn: boolean }>;

export type MlsSuiteId = keyof typeof MLS_SUITES;

export const DEFAULT_MLS_SUITE: MlsSuiteId = 1;

export function isMlsSuiteId(value: number): value is MlsSuiteId {
  return Object.hasOwn(MLS_SUITES, value);
}

/** A loaded suite plus the facts the engine needs about it. */
export type LoadedSuite = Readonly<{
  id: MlsSuiteId;
  impl: CiphersuiteImpl;
  /** Length of a serialized HPKE public key (Npk), used to recognise bare external_pub keys. */
  hpkePublicKeyLength: number;
}>;

const loaded = new Map<MlsSuiteId, Promise<LoadedSuite>>();

/**
 * Every suite runs on Cairn's node:crypto provider (nodeProvider/, issue 15), checked once per
 * process by a self-test so a runtime without one of its primitives fails here.
 */
async function load(id: MlsSuiteId): Promise<LoadedSuite> {
  const impl = await getCiphersuiteImpl(getCiphersuiteFromName(MLS_SUITES[id].name), nodeCryptoProvider);
  await selfTest(impl);
  const probe = await impl.hpke.generateKeyPair();
  const hpkePublicKeyLength = (await impl.hpke.exportPublicKey(probe.publicKey)).length;
  return { id, impl, hpkePublicKeyLength };
}

/**
 * Loads (once per process) the implementation of a suite. Fails with `mls-unsupported-suite` for
 * numbers we do not offer, or when an optional crypto package is missing.
 */
export async function loadSuite(id: number): Promise<Result<LoadedSuite>> {
  if (!isMlsSuiteId(id)) return mlsError('mls-unsupported-suite', `Cipher suite ${id} is not supported by Cairn.`);
  return guarded('mls-unsupported-suite', async () => {
    let pending = loaded.get(id);
    if (pending === undefined) {
      pending = load(id);
      loaded.set(id, pending);
      pending.catch(() => loaded.delete(id));
    }
    return ok(await pending);
  });
}
