import type { CiphersuiteImpl, ClientState, GroupInfo } from 'ts-mls';
import { createGroupInfo } from 'ts-mls/createCommit.js';
import { encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { LoadedSuite } from './cipherSuites';
import { mlsError } from './mlsErrors';
import { decodeVarint, encodeVector } from './tlsBytes';

/*
 * The GroupInfo `external_pub` extension, done the RFC 9420 way.
 *
 * RFC 9420 §12.4.3.2: `struct { HPKEPublicKey external_pub; } ExternalPub;` with
 * `opaque HPKEPublicKey<V>` (§5.1.1), so the extension_data is a varint length followed by the
 * key. ts-mls 1.6.4 writes and reads the bare key instead (PLATFORM-NOTES.md "MLS"): OpenMLS
 * rejects a ts-mls GroupInfo, and ts-mls cannot use an OpenMLS one. We do not patch
 * node_modules; instead
 * - we build GroupInfos ourselves (ts-mls' `createGroupInfo` signs whatever extensions we pass),
 *   with the length prefix;
 * - for joining, we hand ts-mls a cipher suite whose `importPublicKey` strips the prefix from
 *   exactly that extension's byte array (matched by identity, so no other key is touched). The
 *   GroupInfo itself stays byte-identical, so its signature still verifies.
 * Bare keys (GroupInfos written by unpatched ts-mls) are still accepted: their length equals
 * the suite's Npk, which a correctly prefixed value never does.
 */

export type ExternalPub = Readonly<{ key: Uint8Array; encoding: 'rfc9420' | 'bare' }>;

/** Finds and reads the external_pub extension of a GroupInfo. */
export function readExternalPub(groupInfo: GroupInfo, suite: LoadedSuite): Result<ExternalPub> {
  const extension = groupInfo.extensions.find((e) => e.extensionType === 'external_pub');
  if (extension === undefined) return mlsError('mls-invalid-group-info', 'The group information has no external_pub key.');
  const data = extension.extensionData;
  if (data.length === suite.hpkePublicKeyLength) return ok({ key: data, encoding: 'bare' });
  const length = decodeVarint(data, 0);
  if (length === undefined || length.length + length.value !== data.length || length.value !== suite.hpkePublicKeyLength) {
    return mlsError('mls-invalid-group-info', 'The external_pub key of the group information is malformed.');
  }
  return ok({ key: data.slice(length.length), encoding: 'rfc9420' });
}

/** The GroupInfo new devices join from: RFC-encoded external_pub plus the ratchet tree. */
export async function createExternalGroupInfo(state: ClientState, cs: CiphersuiteImpl): Promise<GroupInfo> {
  const externalKeyPair = await cs.hpke.deriveKeyPair(state.keySchedule.externalSecret);
  const externalPub = await cs.hpke.exportPublicKey(externalKeyPair.publicKey);
  return createGroupInfo(
    state.groupContext,
    state.confirmationTag,
    state,
    [
      { extensionType: 'external_pub', extensionData: encodeVector(externalPub) },
      { extensionType: 'ratchet_tree', extensionData: encodeRatchetTree(state.ratchetTree) },
    ],
    cs,
  );
}

/**
 * A cipher suite for `joinGroupExternal` on this GroupInfo: identical to `cs` except that the
 * external_pub extension's bytes are read with their length prefix removed.
 */
export function suiteForExternalJoin(groupInfo: GroupInfo, suite: LoadedSuite): Result<CiphersuiteImpl> {
  const pub = readExternalPub(groupInfo, suite);
  if (!pub.ok) return pub;
  const extension = groupInfo.extensions.find((e) => e.extensionType === 'external_pub');
  if (pub.value.encoding === 'bare' || extension === undefined) return ok(suite.impl);
  const prefixed = extension.extensionData;
  const key = pub.value.key;
  const inner = suite.impl.hpke;
  return ok({
    ...suite.impl,
    hpke: { ...inner, importPublicKey: (bytes: Uint8Array) => inner.importPublicKey(bytes === prefixed ? key : bytes) },
  });
}
