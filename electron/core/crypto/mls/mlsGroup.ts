import { createHash } from 'node:crypto';
import type { ClientState, LeafNode, RatchetTree } from 'ts-mls';
import { decodeGroupState as decodeTsMlsState, encodeGroupState as encodeTsMlsState } from 'ts-mls';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { MlsSuiteId } from './cipherSuites';
import { isMlsSuiteId } from './cipherSuites';
import { CAIRN_CLIENT_CONFIG } from './mlsClientConfig';
import type { MlsClientIdentity } from './mlsIdentity';
import { parseMlsIdentityBytes } from './mlsIdentity';
import { mlsError } from './mlsErrors';
import { bytesEqual, decodeVectors, encodeVectors, toHex } from './tlsBytes';

/**
 * One device's view of one MLS group. Immutable: every engine operation returns a new value and
 * leaves the one it was given usable, so the core can keep the old state until the new one and
 * the messages it produced are stored in one transaction (or the server accepted the commit).
 * `seen` holds digests of the latest messages processed or sent, to tell a replay
 * (`mls-duplicate`) from a message whose key is gone.
 */
export type MlsGroup = Readonly<{
  suite: MlsSuiteId;
  state: ClientState;
  seen: readonly string[];
}>;

/** Digests kept per group for replay detection (16 bytes each, ~8 KiB of state). */
export const SEEN_MESSAGES_KEPT = 512;
const DIGEST_BYTES = 16;

export function messageDigest(message: Uint8Array): string {
  return createHash('sha256').update(message).digest().subarray(0, DIGEST_BYTES).toString('hex');
}

export function withSeen(group: MlsGroup, state: ClientState, digest: string): MlsGroup {
  return { suite: group.suite, state, seen: [...group.seen, digest].slice(-SEEN_MESSAGES_KEPT) };
}

/** What the core needs to know about a group without reaching into ts-mls types. */
export type MlsGroupStatus = Readonly<{
  groupId: Uint8Array;
  epoch: bigint;
  membership: 'active' | 'removed' | 'suspended';
}>;

export function groupStatus(group: MlsGroup): MlsGroupStatus {
  const kind = group.state.groupActiveState.kind;
  return {
    groupId: group.state.groupContext.groupId,
    epoch: group.state.groupContext.epoch,
    membership: kind === 'active' ? 'active' : kind === 'removedFromGroup' ? 'removed' : 'suspended',
  };
}

export type MlsMember = Readonly<{ leafIndex: number; identity: MlsClientIdentity; signaturePublicKey: Uint8Array }>;

/**
 * Identities parsed from leaf nodes, kept per leaf node object: every commit lists the members
 * before and after it, and ts-mls replaces a leaf node rather than changing it, so in a group of
 * 1 000 all but a few leaves were parsed for the previous commit (issue 15).
 */
const parsedLeaves = new WeakMap<LeafNode, MlsClientIdentity | null>();

function identityOfLeaf(leaf: LeafNode): MlsClientIdentity | null {
  const known = parsedLeaves.get(leaf);
  if (known !== undefined) return known;
  const { credential } = leaf;
  const parsed = credential.credentialType === 'basic' ? parseMlsIdentityBytes(credential.identity) : undefined;
  const identity = parsed?.ok === true ? parsed.value : null;
  parsedLeaves.set(leaf, identity);
  return identity;
}

/** The members of a ratchet tree whose credential is a well-formed Cairn identity. */
export function membersOfTree(tree: RatchetTree): MlsMember[] {
  const members: MlsMember[] = [];
  for (let nodeIndex = 0; nodeIndex < tree.length; nodeIndex += 2) {
    const node = tree[nodeIndex];
    if (node?.nodeType !== 'leaf') continue;
    const identity = identityOfLeaf(node.leaf);
    if (identity !== null) members.push({ leafIndex: nodeIndex / 2, identity, signaturePublicKey: node.leaf.signaturePublicKey });
  }
  return members;
}

/** Members of `after` that are not in `before` (same leaf and same signing key); linear in both. */
export function membersNotIn(after: readonly MlsMember[], before: readonly MlsMember[]): MlsMember[] {
  const byLeaf = new Map(before.map((b) => [b.leafIndex, b]));
  return after.filter((m) => {
    const b = byLeaf.get(m.leafIndex);
    return b === undefined || !bytesEqual(b.signaturePublicKey, m.signaturePublicKey);
  });
}

const STATE_FORMAT = 1;

/**
 * Bytes for the core's encrypted DB. They contain the group's current and 3 past epochs'
 * secrets: store them only there, and replace them in the same transaction as the messages
 * they produced or consumed.
 */
export function encodeGroupState(group: MlsGroup): Uint8Array {
  const header = Uint8Array.of(STATE_FORMAT, group.suite >> 8, group.suite & 0xff);
  const seen = Buffer.from(group.seen.join(''), 'hex');
  return encodeVectors([header, seen, encodeTsMlsState(group.state)]);
}

/** Restores a group and re-attaches Cairn's client config (ts-mls does not serialise it). */
export function decodeGroupState(bytes: Uint8Array): Result<MlsGroup> {
  const [header, seenBytes, stateBytes] = decodeVectors(bytes, 3) ?? [];
  if (header === undefined || seenBytes === undefined || stateBytes === undefined) return mlsError('mls-invalid-state');
  const suite = ((header[1] ?? 0) << 8) | (header[2] ?? 0);
  if (header.length !== 3 || header[0] !== STATE_FORMAT || !isMlsSuiteId(suite) || seenBytes.length % DIGEST_BYTES !== 0) {
    return mlsError('mls-invalid-state');
  }
  try {
    const decoded = decodeTsMlsState(stateBytes, 0);
    if (decoded === undefined || decoded[1] !== stateBytes.length) return mlsError('mls-invalid-state');
    const seen: string[] = [];
    for (let i = 0; i < seenBytes.length; i += DIGEST_BYTES) seen.push(toHex(seenBytes.subarray(i, i + DIGEST_BYTES)));
    return ok({ suite, state: { ...decoded[0], clientConfig: CAIRN_CLIENT_CONFIG }, seen });
  } catch {
    return mlsError('mls-invalid-state');
  }
}
