import { decodeMlsMessage } from 'ts-mls';
import type { GroupInfo } from 'ts-mls';
import { decodeGroupInfo, ratchetTreeFromExtension } from 'ts-mls/groupInfo.js';
import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';
import type { DeviceIdentity } from './identity';
import { parseDeviceIdentity } from './identity';

function decodeWrappedOrBare(bytes: Uint8Array): GroupInfo | undefined {
  try {
    const wrapped = decodeMlsMessage(bytes, 0);
    if (wrapped !== undefined && wrapped[1] === bytes.length) return wrapped[0].wireformat === 'mls_group_info' ? wrapped[0].groupInfo : undefined;
    const bare = decodeGroupInfo(bytes, 0);
    return bare !== undefined && bare[1] === bytes.length ? bare[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The device at each occupied leaf of the ratchet tree a GroupInfo carries (its `ratchet_tree`
 * extension, RFC 9420 §12.4.3.3). Used once per group that existed before the server kept leaf
 * indices itself (migration 0007): the stored GroupInfo is the last committer's view of the tree,
 * the best the server has. Leaf index i is node 2i (RFC 9420 §4.2, array representation).
 */
export function readTreeLeaves(groupInfo: Uint8Array): Result<ReadonlyMap<number, DeviceIdentity>> {
  const decoded = decodeWrappedOrBare(groupInfo);
  if (decoded === undefined) return err('mls-invalid-message', 'The stored group information could not be read.');
  let tree: ReturnType<typeof ratchetTreeFromExtension>;
  try {
    tree = ratchetTreeFromExtension(decoded);
  } catch {
    tree = undefined;
  }
  if (tree === undefined) return err('mls-invalid-message', 'The stored group information has no readable ratchet tree.');
  const leaves = new Map<number, DeviceIdentity>();
  for (let node = 0; node < tree.length; node += 2) {
    const entry = tree[node];
    if (entry === undefined) continue;
    if (entry.nodeType !== 'leaf' || entry.leaf.credential.credentialType !== 'basic') {
      return err('mls-invalid-message', 'The stored ratchet tree has a leaf the server cannot read.');
    }
    const identity = parseDeviceIdentity(entry.leaf.credential.identity);
    if (identity === undefined) return err('mls-invalid-message', 'The stored ratchet tree names a device in a form the server does not accept.');
    leaves.set(node / 2, identity);
  }
  return ok(leaves);
}
