import type { Credential, ProposalWithSender, RatchetTree } from 'ts-mls';
import type { MlsMember } from './mlsGroup';
import type { MlsClientIdentity } from './mlsIdentity';
import { parseMlsIdentityBytes } from './mlsIdentity';

/**
 * What an incoming commit (or standalone proposal) would do to a group, in Cairn identities and
 * leaf indices only, so the core can decide whether to adopt it (commitRules.ts) without
 * touching ts-mls types. ts-mls verifies that a commit is well formed and signed (RFC 9420); it
 * does not know who may add or remove whom, or that a leaf's credential names the device that
 * really sent it: that is the core's to check (issue 11, item 1).
 *
 * Built from the tree before the change and the proposals ts-mls hands to its incoming-message
 * callback (by value and by reference alike), plus the committer's own new leaf: its UpdatePath
 * leaf (member commit) or the leaf it joins with (external commit).
 */
export type MlsIncomingChange = Readonly<{
  kind: 'commit' | 'proposal';
  /** Who made it: a member's leaf (`leafIndex` in the tree before), or a device joining by external commit. */
  committer: MlsChangeAuthor;
  /** The devices each Add proposal's key package names (undefined: its credential is not a Cairn identity). */
  adds: ReadonlyArray<MlsClientIdentity | undefined>;
  /** The leaves Remove proposals blank, with who sat in them (undefined: the leaf was already blank). */
  removes: ReadonlyArray<Readonly<{ leafIndex: number; identity: MlsClientIdentity | undefined }>>;
  /**
   * Leaves that get a new leaf node in place (Update proposals, the committer's UpdatePath):
   * who sat there before and whom the new leaf node names (undefined: not a Cairn identity).
   */
  updates: ReadonlyArray<Readonly<{ leafIndex: number; before: MlsClientIdentity | undefined; after: MlsClientIdentity | undefined }>>;
  /** Proposal types Cairn never sends (psk, reinit, group_context_extensions, external_init outside an external commit, custom). */
  unsupported: readonly string[];
  /** The group's devices before the change. */
  before: readonly MlsMember[];
}>;

export type MlsChangeAuthor =
  | Readonly<{ kind: 'member'; leafIndex: number; identity: MlsClientIdentity | undefined }>
  | Readonly<{ kind: 'external'; identity: MlsClientIdentity | undefined }>;

/**
 * The engine asks the core about every commit and proposal before it adopts one. A refusal
 * (`ok: false`) leaves the group as it was; its code and sentence come back as the failure of
 * `processMessage` (`mls-commit-refused`).
 */
export type MlsChangeReview = (change: MlsIncomingChange) => Promise<Readonly<{ ok: true } | { ok: false; code: string; message: string }>>;

export function credentialIdentity(credential: Credential): MlsClientIdentity | undefined {
  if (credential.credentialType !== 'basic') return undefined;
  const identity = parseMlsIdentityBytes(credential.identity);
  return identity.ok ? identity.value : undefined;
}

function leafAt(tree: RatchetTree, leafIndex: number): MlsClientIdentity | undefined {
  const node = tree[leafIndex * 2];
  return node?.nodeType === 'leaf' ? credentialIdentity(node.leaf.credential) : undefined;
}

/**
 * Describes a change from the tree it applies to, the proposals ts-mls resolved, who made it,
 * and the committer's new leaf credential (undefined: a commit without UpdatePath, or a proposal).
 */
export function describeChange(
  input: Readonly<{
    kind: 'commit' | 'proposal';
    tree: RatchetTree;
    before: readonly MlsMember[];
    proposals: readonly ProposalWithSender[];
    /** The committer's leaf, or undefined for an external commit. */
    senderLeafIndex: number | undefined;
    /** The credential of the committer's new leaf node (UpdatePath or external join). */
    committerLeaf: Credential | undefined;
  }>,
): MlsIncomingChange {
  const { tree, proposals, senderLeafIndex } = input;
  const external = input.kind === 'commit' && senderLeafIndex === undefined;
  const adds: Array<MlsClientIdentity | undefined> = [];
  const removes: Array<{ leafIndex: number; identity: MlsClientIdentity | undefined }> = [];
  const updates: Array<{ leafIndex: number; before: MlsClientIdentity | undefined; after: MlsClientIdentity | undefined }> = [];
  const unsupported: string[] = [];
  for (const { proposal, senderLeafIndex: proposer } of proposals) {
    switch (proposal.proposalType) {
      case 'add':
        adds.push(credentialIdentity(proposal.add.keyPackage.leafNode.credential));
        break;
      case 'remove':
        removes.push({ leafIndex: proposal.remove.removed, identity: leafAt(tree, proposal.remove.removed) });
        break;
      case 'update':
        // An Update changes its proposer's own leaf (RFC 9420 §12.1.2); one without a member proposer is malformed.
        if (proposer === undefined) unsupported.push('update');
        else updates.push({ leafIndex: proposer, before: leafAt(tree, proposer), after: credentialIdentity(proposal.update.leafNode.credential) });
        break;
      case 'external_init':
        if (!external) unsupported.push(proposal.proposalType);
        break;
      default:
        unsupported.push(String(proposal.proposalType));
    }
  }
  const committerIdentity = input.committerLeaf === undefined ? undefined : credentialIdentity(input.committerLeaf);
  if (senderLeafIndex !== undefined && input.committerLeaf !== undefined) {
    updates.push({ leafIndex: senderLeafIndex, before: leafAt(tree, senderLeafIndex), after: committerIdentity });
  }
  const committer: MlsChangeAuthor =
    senderLeafIndex === undefined ? { kind: 'external', identity: committerIdentity } : { kind: 'member', leafIndex: senderLeafIndex, identity: leafAt(tree, senderLeafIndex) };
  return { kind: input.kind, committer, adds, removes, updates, unsupported, before: input.before };
}
