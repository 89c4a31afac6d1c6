import type { CallId } from '../../../../protocol/content/callSchema';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { MlsSuiteId } from './cipherSuites';
import { loadSuite } from './cipherSuites';
import type { CallBaseKey } from './callKeys';
import { callBaseKey } from './callKeys';
import type { EngineContext, MlsCommitOutput, MlsInbound } from './engineContext';
import { addMembers, createGroup, groupInfo, joinByExternalCommit, removeMembers, selfUpdate } from './groupCommits';
import { encryptMessage, exportSecret } from './groupMessages';
import type { MlsChangeReview } from './incomingChange';
import { joinFromWelcome, processIncoming, welcomeKeyPackageRefs } from './inboundMessages';
import type { GeneratedKeyPackage, KeyPackageInfo } from './keyPackages';
import { generateKeyPackages, inspectKeyPackage } from './keyPackages';
import type { MlsGroup, MlsGroupStatus, MlsMember } from './mlsGroup';
import { decodeGroupState, encodeGroupState, groupStatus, membersOfTree } from './mlsGroup';
import type { MlsClientIdentity } from './mlsIdentity';
import { guarded, mlsError } from './mlsErrors';
import type { MlsSigner } from './mlsSigner';

/**
 * MLS (RFC 9420) for one device in one cipher suite, over ts-mls 1.6.4. No networking and no
 * storage: the core moves the bytes and stores `encodeGroupState` in its encrypted DB.
 *
 * Contract for every method: it never throws (failures are `{ ok: false, error: { code } }`
 * with the codes of `mlsErrors.ts`), and it never changes the group it is given — on failure
 * that group is still the one to use; on success the returned group replaces it. Handshake
 * messages that only OpenMLS peers send (proposals) are kept in the state and committed by the
 * next commit this device makes (`selfUpdate` commits just them).
 */
export interface MlsEngine {
  readonly suite: MlsSuiteId;
  readonly identity: MlsClientIdentity;
  /** Fresh key packages to upload (see `keyPackagesToUpload` for how many). */
  generateKeyPackages(count: number): Promise<Result<readonly GeneratedKeyPackage[]>>;
  /** Who a claimed key package belongs to; compare with the claim response before `addMembers`. */
  inspectKeyPackage(keyPackage: Uint8Array): Result<KeyPackageInfo>;
  /** A new group with this device as its only member, at epoch 0. */
  createGroup(groupId: Uint8Array): Promise<Result<MlsGroup>>;
  addMembers(group: MlsGroup, keyPackages: readonly Uint8Array[]): Promise<Result<MlsCommitOutput>>;
  removeMembers(group: MlsGroup, clients: readonly MlsClientIdentity[]): Promise<Result<MlsCommitOutput>>;
  selfUpdate(group: MlsGroup): Promise<Result<MlsCommitOutput>>;
  /** GroupInfo (MLSMessage) of the current epoch with external_pub and ratchet tree. */
  groupInfo(group: MlsGroup): Promise<Result<Uint8Array>>;
  /** Joins from the server's GroupInfo; if this device's leaf is still in the group (it fell behind), the commit replaces it. */
  joinByExternalCommit(groupInfo: Uint8Array): Promise<Result<MlsCommitOutput>>;
  welcomeKeyPackageRefs(welcome: Uint8Array): Result<readonly Uint8Array[]>;
  joinFromWelcome(welcome: Uint8Array, storedKeyPackage: Uint8Array): Promise<Result<MlsGroup>>;
  encrypt(group: MlsGroup, plaintext: Uint8Array): Promise<Result<Readonly<{ group: MlsGroup; message: Uint8Array }>>>;
  /**
   * An incoming message. Every commit and proposal goes to `review` once verified and before it
   * is adopted (the core passes its rules, commitRules.ts); a refusal is `mls-commit-refused`.
   */
  processMessage(group: MlsGroup, message: Uint8Array, review?: MlsChangeReview): Promise<Result<MlsInbound>>;
  exportSecret(group: MlsGroup, label: string, context: Uint8Array, length: number): Promise<Result<Uint8Array>>;
  /** The SFrame base key of a 1:1 call at the group's current epoch, for the frame worker (callKeys.ts). */
  callBaseKey(group: MlsGroup, callId: CallId): Promise<Result<CallBaseKey>>;
  members(group: MlsGroup): readonly MlsMember[];
  status(group: MlsGroup): MlsGroupStatus;
  encodeGroupState(group: MlsGroup): Uint8Array;
  decodeGroupState(bytes: Uint8Array): Result<MlsGroup>;
}

/** Largest batch of key packages generated in one call (the server accepts 200 per upload). */
export const MAX_KEY_PACKAGES_PER_CALL = 200;

/** Builds the engine for a device's signer (see `mlsSigner.ts`); fails if the suite cannot load. */
export async function createMlsEngine(signer: MlsSigner): Promise<Result<MlsEngine>> {
  const suite = await loadSuite(signer.suite);
  if (!suite.ok) return suite;
  const ctx: EngineContext = { signer, suite: suite.value };
  const groupSuite = (group: MlsGroup): Result<true> =>
    group.suite === signer.suite ? ok(true) : mlsError('mls-unsupported-suite', 'The group uses another cipher suite than this engine.');
  const inSuite = async <T>(group: MlsGroup, run: () => Promise<Result<T>>): Promise<Result<T>> => {
    const checked = groupSuite(group);
    return checked.ok ? run() : checked;
  };
  return ok({
    suite: signer.suite,
    identity: signer.identity,
    generateKeyPackages: async (count) => {
      if (!Number.isInteger(count) || count < 0 || count > MAX_KEY_PACKAGES_PER_CALL) {
        return mlsError('mls-invalid-key-package', `Between 0 and ${MAX_KEY_PACKAGES_PER_CALL} key packages can be made at once.`);
      }
      return guarded('mls-internal', async () => ok(await generateKeyPackages(signer, ctx.suite, count)));
    },
    inspectKeyPackage: (keyPackage) => inspectKeyPackage(keyPackage),
    createGroup: (groupId) => createGroup(ctx, groupId),
    addMembers: (group, keyPackages) => inSuite(group, () => addMembers(ctx, group, keyPackages)),
    removeMembers: (group, clients) => inSuite(group, () => removeMembers(ctx, group, clients)),
    selfUpdate: (group) => inSuite(group, () => selfUpdate(ctx, group)),
    groupInfo: (group) => inSuite(group, () => groupInfo(ctx, group)),
    joinByExternalCommit: (info) => joinByExternalCommit(ctx, info),
    welcomeKeyPackageRefs: (welcome) => welcomeKeyPackageRefs(welcome),
    joinFromWelcome: (welcome, stored) => joinFromWelcome(ctx, welcome, stored),
    encrypt: (group, plaintext) => inSuite(group, () => encryptMessage(ctx, group, plaintext)),
    processMessage: (group, message, review) => inSuite(group, () => processIncoming(ctx, group, message, review)),
    exportSecret: (group, label, context, length) => inSuite(group, () => exportSecret(ctx, group, label, context, length)),
    callBaseKey: (group, callId) => inSuite(group, () => callBaseKey(ctx, group, callId)),
    members: (group) => membersOfTree(group.state.ratchetTree),
    status: (group) => groupStatus(group),
    encodeGroupState: (group) => encodeGroupState(group),
    decodeGroupState: (bytes) => decodeGroupState(bytes),
  });
}
