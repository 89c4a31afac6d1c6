import { randomBytes } from 'node:crypto';
import type { CiphersuiteImpl, CiphersuiteName, KeyPackage, LeafNodeCommit, Proposal } from 'ts-mls';
import { defaultCapabilities, defaultCryptoProvider, defaultLifetime, encodeMlsMessage, generateKeyPackageWithKey, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { encodeKeyPackage } from 'ts-mls/keyPackage.js';

/*
 * MLS bytes for server tests that do not run real MLS groups. Key packages are real (generated
 * with ts-mls: the server checks their credential and signature). Commits are real PublicMessage
 * structures whose proposals and path leaf are what the server reads; their signatures and tags
 * are random, which the server does not check (receiving devices do).
 */

export type DeviceRef = Readonly<{ id: string; clientId: string }>;

const SUITE_NAMES: Readonly<Record<number, CiphersuiteName>> = {
  1: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
  2: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256',
};
const suiteImpls = new Map<number, Promise<CiphersuiteImpl>>();
function suiteImpl(cipherSuite: number): Promise<CiphersuiteImpl> {
  const name = SUITE_NAMES[cipherSuite];
  if (name === undefined) throw new Error(`no test key packages for cipher suite ${cipherSuite}`);
  let pending = suiteImpls.get(cipherSuite);
  if (pending === undefined) {
    pending = getCiphersuiteImpl(getCiphersuiteFromName(name), defaultCryptoProvider);
    suiteImpls.set(cipherSuite, pending);
  }
  return pending;
}

export function identityOf(device: DeviceRef, domain = 'cairn.test'): string {
  return `${device.id}:${device.clientId.replace(/^0+(?=.)/, '')}@${domain}`;
}

/** Each identity's long-term MLS signature key per suite, as a real device keeps one (the server binds it at the first upload). */
const signatureKeys = new Map<string, Promise<Awaited<ReturnType<CiphersuiteImpl['signature']['keygen']>>>>();

/** A real key package whose basic credential names `device` (or any identity text), signed with that identity's own key. */
export async function keyPackageNaming(device: DeviceRef | string, cipherSuite = 1): Promise<KeyPackage> {
  const text = typeof device === 'string' ? device : identityOf(device);
  const impl = await suiteImpl(cipherSuite);
  let keys = signatureKeys.get(`${cipherSuite}/${text}`);
  if (keys === undefined) {
    keys = impl.signature.keygen();
    signatureKeys.set(`${cipherSuite}/${text}`, keys);
  }
  const { signKey, publicKey } = await keys;
  const identity = new TextEncoder().encode(text);
  const generated = await generateKeyPackageWithKey({ credentialType: 'basic', identity }, defaultCapabilities(), defaultLifetime, [], { signKey, publicKey }, impl);
  return generated.publicPackage;
}

/** A real key package of `device`, base64, bare or wrapped in an MLSMessage. */
export async function fakeKeyPackage(device: DeviceRef | string, cipherSuite = 1, wrapped = false): Promise<string> {
  const keyPackage = await keyPackageNaming(device, cipherSuite);
  const bytes = wrapped ? encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage }) : encodeKeyPackage(keyPackage);
  return Buffer.from(bytes).toString('base64');
}

export type CommitShape = Readonly<{
  groupId: Uint8Array;
  epoch: number;
  /** The sender's leaf, or an external commit. */
  from: number | 'external';
  /** Identity text of the committer's new leaf (its UpdatePath); no path when undefined. */
  pathIdentity?: string;
  adds?: readonly KeyPackage[];
  removes?: readonly number[];
  /** Further proposals, e.g. to try types the server refuses. */
  extra?: readonly Proposal[];
  byReference?: boolean;
}>;

async function pathLeaf(identity: string): Promise<LeafNodeCommit> {
  const source = (await keyPackageNaming(identity)).leafNode;
  return {
    hpkePublicKey: source.hpkePublicKey,
    signaturePublicKey: source.signaturePublicKey,
    credential: source.credential,
    capabilities: source.capabilities,
    leafNodeSource: 'commit',
    parentHash: randomBytes(32),
    extensions: [],
    signature: randomBytes(64),
  };
}

/** A PublicMessage commit of the given shape, as MLSMessage bytes. */
export async function commitBytes(shape: CommitShape): Promise<Uint8Array> {
  const proposals: Proposal[] = [
    ...(shape.adds ?? []).map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
    ...(shape.removes ?? []).map((removed): Proposal => ({ proposalType: 'remove', remove: { removed } })),
    ...(shape.from === 'external' ? [{ proposalType: 'external_init' as const, externalInit: { kemOutput: randomBytes(32) } }] : []),
    ...(shape.extra ?? []),
  ];
  const path = shape.pathIdentity === undefined ? undefined : { leafNode: await pathLeaf(shape.pathIdentity), nodes: [] };
  const content = {
    groupId: shape.groupId,
    epoch: BigInt(shape.epoch),
    sender: shape.from === 'external' ? { senderType: 'new_member_commit' as const } : { senderType: 'member' as const, leafIndex: shape.from },
    authenticatedData: new Uint8Array(),
    contentType: 'commit' as const,
    commit: {
      proposals: proposals.map((proposal) =>
        shape.byReference ? { proposalOrRefType: 'reference' as const, reference: randomBytes(32) } : { proposalOrRefType: 'proposal' as const, proposal },
      ),
      path,
    },
  };
  const auth = { signature: randomBytes(64), contentType: 'commit' as const, confirmationTag: randomBytes(32) };
  return encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_public_message',
    publicMessage: shape.from === 'external' ? { content, auth, senderType: 'new_member_commit' } : { content, auth, senderType: 'member', membershipTag: randomBytes(32) },
  });
}

function varint(length: number): Buffer {
  if (length < 64) return Buffer.from([length]);
  if (length < 16384) return Buffer.from([0x40 | (length >> 8), length & 0xff]);
  throw new Error('too long for this helper');
}

function epochBytes(epoch: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(epoch));
  return bytes;
}

/** Only the header of a PublicMessage commit, then random bytes (for routes that read only headers). */
export function fakeCommitHeader(groupId: Buffer, epoch: number, from: number | 'external' = 0): string {
  const sender = from === 'external' ? Buffer.from([4]) : Buffer.concat([Buffer.from([1]), Buffer.from([0, 0, 0, from])]);
  return Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x01]),
    varint(groupId.length),
    groupId,
    epochBytes(epoch),
    sender,
    Buffer.from([0x00]),
    Buffer.from([0x03]),
    randomBytes(200),
  ]).toString('base64');
}

/** A PrivateMessage with application content. */
export function fakeApplicationMessage(groupId: Buffer, epoch: number, payload: Buffer = randomBytes(120)): string {
  return Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x02]),
    varint(groupId.length),
    groupId,
    epochBytes(epoch),
    Buffer.from([0x01]),
    Buffer.from([0x00]),
    payload,
  ]).toString('base64');
}

export function fakeOpaque(wireFormat: number): string {
  return Buffer.concat([Buffer.from([0x00, 0x01, 0x00, wireFormat]), randomBytes(300)]).toString('base64');
}
