import { decodeMlsMessage } from 'ts-mls';
import type { Credential, LeafNode } from 'ts-mls';
import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';
import type { DeviceIdentity } from './identity';
import { parseDeviceIdentity } from './identity';

/*
 * What the server reads of a commit (security review item 1). Commits are PublicMessages
 * (RFC 9420 §6.2; the core never encrypts handshake messages, see
 * electron/core/crypto/mls/README.md "What the delivery service can read"), so the delivery
 * service can see exactly which leaves a commit adds and removes and who the new leaves claim to
 * be, instead of trusting the bundle's declaration. It does not verify the commit's signature or
 * membership tag: every receiving device does (RFC 9420 §6.1, §6.2), and a commit they refuse
 * changes nothing in their groups. What the server adds is the binding of leaves to registered
 * devices, which the devices cannot check on their own.
 */

/** A leaf a commit brings in: the device its basic credential names, and its signature key. */
export type NewLeaf = Readonly<{ identity: DeviceIdentity; signatureKey: Uint8Array }>;

export type CommitSender = Readonly<{ kind: 'member'; leafIndex: number }> | Readonly<{ kind: 'external' }>;

export type CommitContent = Readonly<{
  groupId: Buffer;
  epoch: bigint;
  sender: CommitSender;
  /** Add proposals in commit order (RFC 9420 §12.3 places them in that order). */
  adds: readonly NewLeaf[];
  /** Leaf indices of the Remove proposals, in commit order. */
  removes: readonly number[];
  /** The committer's new leaf from the UpdatePath, when the commit has a path. */
  pathLeaf: NewLeaf | undefined;
}>;

function invalid<T>(message: string): Result<T> {
  return err('mls-invalid-message', message);
}

function leafOf(leafNode: LeafNode): NewLeaf | undefined {
  const identity = basicIdentity(leafNode.credential);
  return identity === undefined ? undefined : { identity, signatureKey: leafNode.signaturePublicKey };
}

function basicIdentity(credential: Credential): DeviceIdentity | undefined {
  return credential.credentialType === 'basic' ? parseDeviceIdentity(credential.identity) : undefined;
}

/**
 * Decodes a commit bundle's commit with ts-mls and keeps what authorization needs. Refused as
 * `mls-invalid-message`: anything that is not one whole PublicMessage carrying a commit from a
 * member or a new member (external commit); proposals by reference (the server could not see
 * them, and Cairn's cores never send standalone proposals to commit later); proposal types other
 * than Add and Remove (plus exactly one ExternalInit in an external commit, RFC 9420 §12.4.3.2);
 * credentials other than a basic credential of Cairn's device form; an external commit without
 * the path that carries its new leaf.
 */
export function readCommit(bytes: Uint8Array): Result<CommitContent> {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== bytes.length) return invalid('The commit is truncated or malformed.');
  const message = decoded[0];
  if (message.wireformat !== 'mls_public_message') return invalid('Commits must be sent as MLS PublicMessages.');
  const content = message.publicMessage.content;
  if (content.contentType !== 'commit') return invalid('The commit bundle does not carry a commit.');
  let sender: CommitSender;
  switch (content.sender.senderType) {
    case 'member':
      sender = { kind: 'member', leafIndex: content.sender.leafIndex };
      break;
    case 'new_member_commit':
      sender = { kind: 'external' };
      break;
    case 'external':
    case 'new_member_proposal':
      return invalid('A commit must come from a member or a joining device.');
  }
  const adds: NewLeaf[] = [];
  const removes: number[] = [];
  let externalInits = 0;
  for (const entry of content.commit.proposals) {
    if (entry.proposalOrRefType !== 'proposal') return invalid('Commits must carry their proposals by value.');
    const proposal = entry.proposal;
    if (proposal.proposalType === 'add') {
      const leaf = leafOf(proposal.add.keyPackage.leafNode);
      if (leaf === undefined) return invalid('A device added by the commit has a credential that is not a Cairn device identity.');
      adds.push(leaf);
    } else if (proposal.proposalType === 'remove') {
      removes.push(proposal.remove.removed);
    } else if (proposal.proposalType === 'external_init' && sender.kind === 'external') {
      externalInits += 1;
    } else {
      return invalid('Commits may only add and remove devices.');
    }
  }
  const path = content.commit.path;
  const pathLeaf = path === undefined ? undefined : leafOf(path.leafNode);
  if (path !== undefined && pathLeaf === undefined) return invalid('The committing leaf has a credential that is not a Cairn device identity.');
  if (sender.kind === 'external') {
    if (externalInits !== 1) return invalid('An external commit carries exactly one ExternalInit proposal.');
    if (adds.length > 0) return invalid('An external commit adds only the joining device, through its path.');
    if (pathLeaf === undefined) return invalid('An external commit must carry the joining device’s leaf in its path.');
  }
  return ok({ groupId: Buffer.from(content.groupId), epoch: content.epoch, sender, adds, removes, pathLeaf });
}
