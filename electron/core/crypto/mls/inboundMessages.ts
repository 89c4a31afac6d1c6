import type { Credential, IncomingMessageCallback, MLSMessage, ProposalWithSender } from 'ts-mls';
import { emptyPskIndex, joinGroup, processMessage } from 'ts-mls';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import { MLS_SUITES } from './cipherSuites';
import type { EngineContext, MlsInbound } from './engineContext';
import type { MlsChangeReview } from './incomingChange';
import { describeChange } from './incomingChange';
import { decodeStoredKeyPackage, keyPackageRef } from './keyPackages';
import { CAIRN_CLIENT_CONFIG } from './mlsClientConfig';
import type { MlsGroup, MlsMember } from './mlsGroup';
import { membersNotIn, membersOfTree, messageDigest, withSeen } from './mlsGroup';
import { guarded, mlsError } from './mlsErrors';
import { decodeMessage, decodeWelcomeBytes } from './mlsWire';
import { openApplicationMessage, readPrivateSender } from './privateMessageSender';
import { bytesEqual } from './tlsBytes';

/** The KeyPackageRefs a Welcome is addressed to, so the core can look up its stored key package. */
export function welcomeKeyPackageRefs(welcomeBytes: Uint8Array): Result<Uint8Array[]> {
  const welcome = decodeWelcomeBytes(welcomeBytes);
  if (!welcome.ok) return welcome;
  return ok(welcome.value.secrets.map((s) => s.newMember));
}

/**
 * Joins a group from a Welcome (bare or wrapped; from ts-mls or OpenMLS) with the stored key
 * package it was made for. The ratchet tree must be inside the Welcome. Afterwards the core
 * deletes the key package (seed 002: each key package joins exactly one group).
 */
export async function joinFromWelcome(ctx: EngineContext, welcomeBytes: Uint8Array, storedKeyPackage: Uint8Array): Promise<Result<MlsGroup>> {
  const welcome = decodeWelcomeBytes(welcomeBytes);
  if (!welcome.ok) return welcome;
  if (welcome.value.cipherSuite !== MLS_SUITES[ctx.suite.id].name) return mlsError('mls-unsupported-suite', 'The invitation uses another cipher suite.');
  const keys = decodeStoredKeyPackage(storedKeyPackage, ctx.signer);
  if (!keys.ok) return keys;
  const ref = await keyPackageRef(keys.value.publicPackage, ctx.suite);
  if (!welcome.value.secrets.some((s) => bytesEqual(s.newMember, ref))) return mlsError('mls-welcome-not-for-us');
  return guarded('mls-invalid-message', async () => {
    const state = await joinGroup(
      welcome.value,
      keys.value.publicPackage,
      keys.value.privatePackage,
      emptyPskIndex,
      ctx.suite.impl,
      undefined,
      undefined,
      CAIRN_CLIENT_CONFIG,
    );
    return ok({ suite: ctx.suite.id, state, seen: [] });
  });
}

type Framed = Readonly<{ groupId: Uint8Array; epoch: bigint; contentType: 'application' | 'proposal' | 'commit' }>;

function framing(message: MLSMessage): Framed | undefined {
  if (message.wireformat === 'mls_private_message') return message.privateMessage;
  if (message.wireformat === 'mls_public_message') return message.publicMessage.content;
  return undefined;
}

/** What ts-mls handed to the incoming-message callback: the resolved proposals of a commit, or one proposal. */
type Offered = Readonly<{ kind: 'commit' | 'proposal'; senderLeafIndex: number | undefined; proposals: readonly ProposalWithSender[] }>;

/**
 * A ts-mls callback that records what it is offered instead of judging it: the decision needs the
 * core's knowledge of the conversation (who is a member, who is an admin, who sent the
 * notification) and may need the server, and ts-mls calls this synchronously. The engine asks the
 * core (`MlsChangeReview`) once ts-mls verified the commit, and keeps the group it had on a refusal,
 * so a refused change is never adopted.
 */
function recorder(): { callback: IncomingMessageCallback; offered: () => Offered | undefined } {
  let offered: Offered | undefined;
  return {
    callback: (incoming) => {
      offered =
        incoming.kind === 'commit'
          ? { kind: 'commit', senderLeafIndex: incoming.senderLeafIndex, proposals: incoming.proposals }
          : { kind: 'proposal', senderLeafIndex: incoming.proposal.senderLeafIndex, proposals: [incoming.proposal] };
      return 'accept';
    },
    offered: () => offered,
  };
}

/**
 * The credential of the committer's leaf once the commit is applied: its UpdatePath leaf (or its
 * unchanged leaf) for a member, the leaf it joined with for an external commit (always a
 * PublicMessage, whose UpdatePath is in the clear).
 */
function committerLeaf(message: MLSMessage, after: MlsGroup, offered: Offered): Credential | undefined {
  if (offered.kind !== 'commit') return undefined;
  if (offered.senderLeafIndex !== undefined) {
    const node = after.state.ratchetTree[offered.senderLeafIndex * 2];
    return node?.nodeType === 'leaf' ? node.leaf.credential : undefined;
  }
  if (message.wireformat !== 'mls_public_message') return undefined;
  const content = message.publicMessage.content;
  return content.contentType === 'commit' ? content.commit.path?.leafNode.credential : undefined;
}

/** Asks the core about a verified commit or proposal; on a refusal the caller keeps `before`. */
async function reviewed(
  review: MlsChangeReview | undefined,
  message: MLSMessage,
  before: MlsGroup,
  beforeMembers: readonly MlsMember[],
  after: MlsGroup,
  offered: Offered | undefined,
): Promise<Result<true>> {
  if (review === undefined) return ok(true);
  // ts-mls calls back for every commit and proposal it verifies; without a call there is nothing to adopt.
  if (offered === undefined) return mlsError('mls-invalid-commit', 'The change offered no proposals to review.');
  const change = describeChange({
    kind: offered.kind,
    tree: before.state.ratchetTree,
    before: beforeMembers,
    proposals: offered.proposals,
    senderLeafIndex: offered.senderLeafIndex,
    committerLeaf: committerLeaf(message, after, offered),
  });
  const verdict = await review(change);
  return verdict.ok ? ok(true) : mlsError('mls-commit-refused', `${verdict.message} (${verdict.code})`);
}

/**
 * Processes one incoming PublicMessage or PrivateMessage. Never throws and never changes
 * `group`; on success the returned group replaces it (store both in one transaction). Every
 * commit and proposal is shown to `review` after ts-mls verified it and before it is adopted; a
 * refusal is `mls-commit-refused` and the group stays as it was. Failure
 * codes: `mls-duplicate` (these exact bytes were already processed or sent here),
 * `mls-wrong-group`, `mls-future-epoch` (catch up first), `mls-stale-epoch` (a commit or
 * proposal for an epoch already left, or a message older than the 3 kept epochs), `mls-too-old`,
 * `mls-too-far-ahead`, `mls-not-member`, `mls-undecryptable`, `mls-invalid-commit`,
 * `mls-commit-refused`, `mls-invalid-message`.
 */
export async function processIncoming(ctx: EngineContext, group: MlsGroup, bytes: Uint8Array, review?: MlsChangeReview): Promise<Result<MlsInbound>> {
  const digest = messageDigest(bytes);
  if (group.seen.includes(digest)) return mlsError('mls-duplicate');
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) return decoded;
  const message = decoded.value;
  const framed = framing(message);
  if (framed === undefined) return mlsError('mls-invalid-message', 'Expected a PublicMessage or PrivateMessage.');
  const state = group.state;
  if (!bytesEqual(framed.groupId, state.groupContext.groupId)) return mlsError('mls-wrong-group');
  if (state.groupActiveState.kind === 'removedFromGroup') return mlsError('mls-not-member');
  const epoch = state.groupContext.epoch;
  if (framed.epoch > epoch) return mlsError('mls-future-epoch');
  if (framed.epoch < epoch && framed.contentType !== 'application') return mlsError('mls-stale-epoch');
  if (message.wireformat === 'mls_public_message' && framed.contentType === 'application') {
    return mlsError('mls-invalid-message', 'Application messages must be encrypted.');
  }

  if (message.wireformat === 'mls_private_message' && framed.contentType === 'application') {
    // The hot path: the sender data is decrypted once, by ts-mls, and names the verified sender.
    const opened = await openApplicationMessage(state, message.privateMessage, ctx.suite.impl);
    if (!opened.ok) return opened;
    const next = withSeen(group, opened.value.state, digest);
    return ok({ kind: 'application', group: next, plaintext: opened.value.plaintext, sender: opened.value.identity, epoch: framed.epoch });
  }

  let senderLeaf: number | undefined;
  if (message.wireformat === 'mls_private_message') {
    // A commit or proposal: rare, so reading its sender first (a second sender-data decryption)
    // is cheap; ts-mls processMessage does not say who committed.
    const sender = await readPrivateSender(state, message.privateMessage, ctx.suite.impl);
    if (!sender.ok) return sender;
    senderLeaf = sender.value.leafIndex;
  } else if (message.wireformat === 'mls_public_message') {
    const sender = message.publicMessage.content.sender;
    senderLeaf = sender.senderType === 'member' ? sender.leafIndex : undefined;
  } else {
    return mlsError('mls-invalid-message');
  }
  const failure = framed.contentType === 'commit' || message.wireformat === 'mls_public_message' ? 'mls-invalid-commit' : 'mls-undecryptable';
  const record = recorder();
  const processed = await guarded(failure, async () => {
    const result = await processMessage(message, state, emptyPskIndex, record.callback, ctx.suite.impl);
    return ok(withSeen(group, result.newState, digest));
  });
  if (!processed.ok) return processed;
  const beforeMembers = membersOfTree(state.ratchetTree);
  const verdict = await reviewed(review, message, group, beforeMembers, processed.value, record.offered());
  if (!verdict.ok) return verdict;
  return ok(describeHandshake(beforeMembers, processed.value, framed.contentType, senderLeaf));
}

function describeHandshake(oldMembers: readonly MlsMember[], after: MlsGroup, contentType: Framed['contentType'], senderLeaf: number | undefined): MlsInbound {
  const epoch = after.state.groupContext.epoch;
  if (contentType !== 'commit') return { kind: 'proposal', group: after, epoch };
  const newMembers = membersOfTree(after.state.ratchetTree);
  const added = membersNotIn(newMembers, oldMembers);
  const committer = senderLeaf === undefined ? added[0]?.identity : oldMembers.find((m) => m.leafIndex === senderLeaf)?.identity;
  return {
    kind: 'commit',
    group: after,
    epoch,
    committer,
    added: added.map((m) => m.identity),
    removed: membersNotIn(oldMembers, newMembers).map((m) => m.identity),
    selfRemoved: after.state.groupActiveState.kind === 'removedFromGroup',
  };
}
