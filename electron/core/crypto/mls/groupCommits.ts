import type { ClientState, MLSMessage, Proposal } from 'ts-mls';
import { createCommit, createGroup as createTsMlsGroup, joinGroupExternal } from 'ts-mls';
import { ratchetTreeFromExtension } from 'ts-mls/groupInfo.js';
import { verifyKeyPackage } from 'ts-mls/keyPackage.js';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import { MLS_SUITES } from './cipherSuites';
import type { EngineContext, MlsCommitOutput } from './engineContext';
import { createExternalGroupInfo, suiteForExternalJoin } from './externalPub';
import { newKeyPackage } from './keyPackages';
import { CAIRN_CLIENT_CONFIG } from './mlsClientConfig';
import type { MlsGroup } from './mlsGroup';
import { membersNotIn, membersOfTree, messageDigest, withSeen } from './mlsGroup';
import type { MlsClientIdentity } from './mlsIdentity';
import { formatMlsIdentity, parseMlsIdentityBytes, sameClient } from './mlsIdentity';
import { guarded, mlsError } from './mlsErrors';
import { bytesEqual } from './tlsBytes';
import { decodeGroupInfoBytes, decodeKeyPackageBytes, encodeMessage, wrapGroupInfo, wrapWelcome } from './mlsWire';

/*
 * Commits this device makes. All are sent as PublicMessage (`wireAsPublicMessage`): the server
 * orders commits per epoch and must read the epoch and content type, and OpenMLS
 * (core-crypto) refuses handshake messages as PrivateMessage (PLATFORM-NOTES.md "MLS"). The
 * Welcome carries the ratchet tree (`ratchetTreeExtension`), so joiners need nothing else.
 *
 * ts-mls lists secrets a step "consumed" so callers can zero them. We do not: some belong to
 * the state passed in, which must stay usable until the server accepted the commit. Forward
 * secrecy comes from the core replacing the stored state in its encrypted DB.
 */

export async function createGroup(ctx: EngineContext, groupId: Uint8Array): Promise<Result<MlsGroup>> {
  if (groupId.length === 0 || groupId.length > 255) return mlsError('mls-invalid-message', 'A group id must be 1 to 255 bytes.');
  return guarded('mls-internal', async () => {
    const own = await newKeyPackage(ctx.signer, ctx.suite);
    const state = await createTsMlsGroup(groupId, own.publicPackage, own.privatePackage, [], ctx.suite.impl, CAIRN_CLIENT_CONFIG);
    return ok({ suite: ctx.suite.id, state, seen: [] });
  });
}

function checkCanCommit(group: MlsGroup): Result<true> {
  const kind = group.state.groupActiveState.kind;
  return kind === 'active' ? ok(true) : mlsError('mls-not-member', kind === 'removedFromGroup' ? undefined : 'The conversation is suspended.');
}

async function commitWith(ctx: EngineContext, group: MlsGroup, proposals: Proposal[]): Promise<Result<MlsCommitOutput>> {
  const allowed = checkCanCommit(group);
  if (!allowed.ok) return allowed;
  return guarded('mls-invalid-commit', async () => {
    const result = await createCommit(
      { state: group.state, cipherSuite: ctx.suite.impl },
      { wireAsPublicMessage: true, extraProposals: proposals, ratchetTreeExtension: true },
    );
    return ok(await outputFor(ctx, group, result.newState, result.commit, result.welcome === undefined ? undefined : wrapWelcome(result.welcome)));
  });
}

/** `before` is undefined for an external join: then only this device was added. */
async function outputFor(
  ctx: EngineContext,
  before: MlsGroup | undefined,
  state: ClientState,
  commitMessage: MLSMessage,
  welcome: Uint8Array | undefined,
): Promise<MlsCommitOutput> {
  const commit = encodeMessage(commitMessage);
  const newMembers = membersOfTree(state.ratchetTree);
  const oldMembers = before === undefined ? newMembers.filter((m) => m.leafIndex !== state.privatePath.leafIndex) : membersOfTree(before.state.ratchetTree);
  return {
    group: withSeen(before ?? { suite: ctx.suite.id, state, seen: [] }, state, messageDigest(commit)),
    commit,
    welcome,
    groupInfo: wrapGroupInfo(await createExternalGroupInfo(state, ctx.suite.impl)),
    epoch: state.groupContext.epoch,
    added: membersNotIn(newMembers, oldMembers).map((m) => m.identity),
    removed: membersNotIn(oldMembers, newMembers).map((m) => m.identity),
  };
}

/**
 * Adds devices from their key packages (bare or MLSMessage-wrapped). Each is checked first —
 * suite, signature, identity form, not already a member — so one bad package names itself
 * instead of failing the whole commit inside the library.
 */
export async function addMembers(ctx: EngineContext, group: MlsGroup, keyPackages: readonly Uint8Array[]): Promise<Result<MlsCommitOutput>> {
  if (keyPackages.length === 0) return mlsError('mls-invalid-key-package', 'No key packages were given.');
  const members = membersOfTree(group.state.ratchetTree);
  const proposals: Proposal[] = [];
  const adding: MlsClientIdentity[] = [];
  for (const [index, bytes] of keyPackages.entries()) {
    const decoded = decodeKeyPackageBytes(bytes);
    if (!decoded.ok) return mlsError('mls-invalid-key-package', `Key package ${index + 1} could not be read.`);
    const keyPackage = decoded.value;
    if (keyPackage.cipherSuite !== MLS_SUITES[group.suite].name) {
      return mlsError('mls-invalid-key-package', `Key package ${index + 1} is for another cipher suite.`);
    }
    const credential = keyPackage.leafNode.credential;
    const identity = parseMlsIdentityBytes(credential.credentialType === 'basic' ? credential.identity : new Uint8Array());
    if (!identity.ok) return mlsError('mls-invalid-key-package', `Key package ${index + 1} has no valid Cairn identity.`);
    if (members.some((m) => sameClient(m.identity, identity.value)) || adding.some((a) => sameClient(a, identity.value))) {
      return mlsError('mls-invalid-key-package', `${formatMlsIdentity(identity.value)} is already a member.`);
    }
    let signed = false;
    try {
      signed = await verifyKeyPackage(keyPackage, ctx.suite.impl.signature);
    } catch {
      signed = false;
    }
    if (!signed) return mlsError('mls-invalid-key-package', `Key package ${index + 1} is not validly signed.`);
    adding.push(identity.value);
    proposals.push({ proposalType: 'add', add: { keyPackage } });
  }
  return commitWith(ctx, group, proposals);
}

/** Removes devices by identity; a device that is not in the group is `mls-unknown-member`. */
export async function removeMembers(ctx: EngineContext, group: MlsGroup, clients: readonly MlsClientIdentity[]): Promise<Result<MlsCommitOutput>> {
  if (clients.length === 0) return mlsError('mls-unknown-member', 'No members to remove were given.');
  const members = membersOfTree(group.state.ratchetTree);
  const proposals: Proposal[] = [];
  for (const client of clients) {
    const member = members.find((m) => sameClient(m.identity, client));
    if (member === undefined) return mlsError('mls-unknown-member', `${formatMlsIdentity(client)} is not a member.`);
    proposals.push({ proposalType: 'remove', remove: { removed: member.leafIndex } });
  }
  return commitWith(ctx, group, proposals);
}

/** A commit with only an update path: fresh keys for this device (post-compromise security). */
export async function selfUpdate(ctx: EngineContext, group: MlsGroup): Promise<Result<MlsCommitOutput>> {
  return commitWith(ctx, group, []);
}

/** The current epoch's GroupInfo for the server to keep for external joins. */
export async function groupInfo(ctx: EngineContext, group: MlsGroup): Promise<Result<Uint8Array>> {
  return guarded('mls-internal', async () => ok(wrapGroupInfo(await createExternalGroupInfo(group.state, ctx.suite.impl))));
}

/**
 * A new device of a user joins from the GroupInfo the server keeps (bare or wrapped; from
 * ts-mls or OpenMLS), with an external commit. The returned group is this device's state at
 * the new epoch — adopt it once the server accepted the commit.
 *
 * A device whose leaf is still in the group (it fell behind: commits it never received, or a
 * Welcome that expired) rejoins the same way: the commit also removes its earlier leaf (RFC 9420
 * §12.4.3.2, "resync"), found by this device's signature key. `removed` then names this device.
 */
export async function joinByExternalCommit(ctx: EngineContext, groupInfoBytes: Uint8Array): Promise<Result<MlsCommitOutput>> {
  const decoded = decodeGroupInfoBytes(groupInfoBytes);
  if (!decoded.ok) return decoded;
  const info = decoded.value;
  if (info.groupContext.cipherSuite !== MLS_SUITES[ctx.suite.id].name) return mlsError('mls-unsupported-suite', 'The group uses another cipher suite.');
  const cs = suiteForExternalJoin(info, ctx.suite);
  if (!cs.ok) return cs;
  const tree = ratchetTreeFromExtension(info);
  if (tree === undefined) return mlsError('mls-invalid-group-info', 'The GroupInfo carries no ratchet tree.');
  const replacesOwnLeaf = membersOfTree(tree).some((m) => bytesEqual(m.signaturePublicKey, ctx.signer.signaturePublicKey));
  return guarded('mls-invalid-group-info', async () => {
    const own = await newKeyPackage(ctx.signer, ctx.suite);
    const joined = await joinGroupExternal(info, own.publicPackage, own.privatePackage, replacesOwnLeaf, cs.value, undefined, CAIRN_CLIENT_CONFIG);
    const message: MLSMessage = { version: 'mls10', wireformat: 'mls_public_message', publicMessage: joined.publicMessage };
    const output = await outputFor(ctx, undefined, joined.newState, message, undefined);
    // The new leaf may take the old one's place: say plainly that this device was added (and removed).
    return ok({ ...output, added: [ctx.signer.identity], removed: replacesOwnLeaf ? [ctx.signer.identity] : [] });
  });
}
