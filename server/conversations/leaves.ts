import type { DeviceIdentity } from '../mls/identity';
import type { ClientRef, ConversationRecord, LeafPlacement } from '../store/records';

/*
 * Which device sits at which leaf of a conversation's MLS ratchet tree. Remove proposals name
 * leaf indices, so the server needs this to know whom a commit really removes (security review
 * item 2). It follows RFC 9420 exactly as every member computes it:
 * - §12.3: a commit applies all its Removes before its Adds, whatever their order in the list;
 * - §7.7/§7.8: a Remove blanks the leaf (and truncates trailing blank leaves, which changes no
 *   occupied index); an Add takes the leftmost blank leaf, or extends the tree, whose first new
 *   leaf is the next index after the last one — so either way it is the smallest free index;
 * - §12.4.3.2: an external committer's leaf is placed the same way after its proposals (the
 *   optional Remove of its own earlier leaf) are applied.
 * `test/integration/server/leafIndices.test.ts` compares this with ts-mls' own trees.
 */

export type LeafMap = ReadonlyMap<number, ClientRef>;

export type CurrentLeaves = Readonly<{ leaves: LeafMap; initialised: boolean }>;

const sameClient = (a: ClientRef, b: ClientRef): boolean => a.userId === b.userId && a.clientId === b.clientId;

export function leafOfClient(leaves: LeafMap, client: ClientRef): number | undefined {
  for (const [leaf, occupant] of leaves) if (sameClient(occupant, client)) return leaf;
  return undefined;
}

/** The smallest leaf index nobody holds (RFC 9420 §7.7 leftmost blank leaf, or the extension). */
export function smallestFreeLeaf(occupied: ReadonlySet<number>): number {
  let leaf = 0;
  while (occupied.has(leaf)) leaf += 1;
  return leaf;
}

/**
 * The leaf map before a commit. Devices stored since migration 0007 carry their index; a group
 * from before it is initialised once from `treeLeaves` (the stored GroupInfo's ratchet tree),
 * which must hold exactly the devices the server lists, or the server cannot authorize removes.
 */
export function currentLeaves(
  conversation: Pick<ConversationRecord, 'clients'>,
  treeLeaves: () => ReadonlyMap<number, DeviceIdentity> | 'no-group-info' | undefined,
): CurrentLeaves | undefined {
  const stored = new Map<number, ClientRef>();
  let complete = true;
  for (const client of conversation.clients) {
    if (client.leafIndex === null) complete = false;
    else if (stored.has(client.leafIndex)) return undefined;
    else stored.set(client.leafIndex, { userId: client.userId, clientId: client.clientId });
  }
  if (complete) return { leaves: stored, initialised: false };
  const fromTree = treeLeaves();
  const only = conversation.clients[0];
  if (fromTree === 'no-group-info') {
    // A group nobody has committed to yet holds its creator alone, at leaf 0.
    return conversation.clients.length === 1 && only !== undefined
      ? { leaves: new Map([[0, { userId: only.userId, clientId: only.clientId }]]), initialised: true }
      : undefined;
  }
  if (fromTree === undefined || fromTree.size !== conversation.clients.length) return undefined;
  const leaves = new Map<number, ClientRef>();
  for (const [leaf, identity] of fromTree) {
    const client = conversation.clients.find((candidate) => candidate.userId === identity.userId && candidate.clientId === identity.clientId);
    if (client === undefined || leafOfClient(leaves, client) !== undefined) return undefined;
    leaves.set(leaf, { userId: client.userId, clientId: client.clientId });
  }
  return { leaves, initialised: true };
}

/**
 * Applies a commit's removes (leaf indices) and then its joiners in order; returns where each
 * joiner lands. For an external commit the joiner is the committer itself.
 */
export function placeJoiners(leaves: LeafMap, removedLeaves: readonly number[], joiners: readonly ClientRef[]): readonly LeafPlacement[] {
  const occupied = new Set(leaves.keys());
  for (const leaf of removedLeaves) occupied.delete(leaf);
  return joiners.map((joiner) => {
    const leafIndex = smallestFreeLeaf(occupied);
    occupied.add(leafIndex);
    return { userId: joiner.userId, clientId: joiner.clientId, leafIndex };
  });
}
