import type { CiphersuiteImpl, ClientState, EpochReceiverData, GroupContext, PrivateMessage, RatchetTree, SecretTree } from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import { KEY_RETENTION } from './mlsClientConfig';
import type { MlsClientIdentity } from './mlsIdentity';
import { parseMlsIdentityBytes } from './mlsIdentity';
import { mlsError } from './mlsErrors';

export type PrivateSender = Readonly<{ leafIndex: number; generation: number; identity: MlsClientIdentity }>;

/** An application message opened by `openApplicationMessage`: the state after it, its text and its verified sender. */
export type OpenedApplication = Readonly<{ state: ClientState; plaintext: Uint8Array; leafIndex: number; identity: MlsClientIdentity }>;

/** The keys and trees of the epoch a PrivateMessage was sent in; `past` is set when that epoch is no longer the current one. */
type EpochKeys = Readonly<{
  senderDataSecret: Uint8Array;
  secretTree: SecretTree;
  ratchetTree: RatchetTree;
  groupContext: GroupContext;
  past: EpochReceiverData | undefined;
}>;

/** The same choice ts-mls processPrivateMessage makes: the current epoch, or one of the kept past epochs. */
function epochKeys(state: ClientState, epoch: bigint): EpochKeys | undefined {
  if (epoch === state.groupContext.epoch) {
    const { keySchedule, secretTree, ratchetTree, groupContext } = state;
    return { senderDataSecret: keySchedule.senderDataSecret, secretTree, ratchetTree, groupContext, past: undefined };
  }
  if (epoch > state.groupContext.epoch) return undefined;
  const past = state.historicalReceiverData.get(epoch);
  if (past === undefined) return undefined;
  return { senderDataSecret: past.senderDataSecret, secretTree: past.secretTree, ratchetTree: past.ratchetTree, groupContext: past.groupContext, past };
}

const NOT_A_MEMBER = 'The message names a sender who is not in the conversation.';

/** The identity in the basic credential of the leaf at `leafIndex`, if that leaf is occupied and the identity is well formed. */
function leafIdentity(ratchetTree: RatchetTree, leafIndex: number): Result<MlsClientIdentity> {
  const leaf = ratchetTree[leafIndex * 2];
  if (leaf?.nodeType !== 'leaf') return mlsError('mls-undecryptable', NOT_A_MEMBER);
  const identity = parseMlsIdentityBytes(leaf.leaf.credential.credentialType === 'basic' ? leaf.leaf.credential.identity : new Uint8Array());
  if (!identity.ok) return mlsError('mls-undecryptable', 'The sender of the message has no valid identity.');
  return identity;
}

/**
 * Opens an application PrivateMessage of the current or a kept past epoch with ts-mls
 * unprotectPrivateMessage, which decrypts the sender data once, ratchets that sender's
 * application secret to the message's generation (keeping skipped keys within the out-of-order
 * window, refusing more than the maximum forward distance; both from the state's
 * keyRetentionConfig, which is KEY_RETENTION on every Cairn state since CAIRN_CLIENT_CONFIG is
 * attached on create, join and restore), decrypts the content and verifies
 * its signature with the key of the leaf the sender data names. That leaf is returned as the
 * sender, so the sender's identity is only trusted after the AEAD and the signature verified.
 * The new state is built the way ts-mls processPrivateMessage builds it for an application
 * message (the epoch's secret tree replaced); the test "matches ts-mls processMessage" in
 * test/unit/mls/privateMessageSender.test.ts checks this stays so.
 *
 * Only when opening fails does it decrypt the sender data again (`readPrivateSender`), to tell
 * the caller precisely why: `mls-future-epoch` (checked first), `mls-stale-epoch`, `mls-too-old`,
 * `mls-too-far-ahead`, or `mls-undecryptable` for anything else (a bad AEAD tag, a bad signature, a sender who is not
 * in the conversation or has no valid identity). Never throws; never changes `state`.
 */
export async function openApplicationMessage(state: ClientState, message: PrivateMessage, cs: CiphersuiteImpl): Promise<Result<OpenedApplication>> {
  if (message.contentType !== 'application') return mlsError('mls-invalid-message', 'Expected an application message.');
  if (message.epoch > state.groupContext.epoch) return mlsError('mls-future-epoch');
  const keys = epochKeys(state, message.epoch);
  if (keys === undefined) return mlsError('mls-stale-epoch');
  let opened;
  try {
    opened = await unprotectPrivateMessage(
      keys.senderDataSecret,
      message,
      keys.secretTree,
      keys.ratchetTree,
      keys.groupContext,
      state.clientConfig.keyRetentionConfig,
      cs,
    );
  } catch {
    opened = undefined;
  }
  const content = opened?.content.content;
  if (opened === undefined || content?.contentType !== 'application' || content.sender.senderType !== 'member') {
    const why = await readPrivateSender(state, message, cs);
    return why.ok ? mlsError('mls-undecryptable') : why;
  }
  const leafIndex = content.sender.leafIndex;
  const identity = leafIdentity(keys.ratchetTree, leafIndex);
  if (!identity.ok) return identity;
  const next: ClientState =
    keys.past === undefined
      ? { ...state, secretTree: opened.tree }
      : { ...state, historicalReceiverData: new Map(state.historicalReceiverData).set(message.epoch, { ...keys.past, secretTree: opened.tree }) };
  return ok({ state: next, plaintext: content.applicationData, leafIndex, identity: identity.value });
}

/**
 * Reads who sent a PrivateMessage and at which generation, before ts-mls decrypts it, so the
 * engine can name the sender of a commit or proposal (ts-mls does not return it) and tell the
 * caller precisely why a message cannot be read: its epoch is gone (`mls-stale-epoch`), its key
 * was already used or dropped by the out-of-order window (`mls-too-old`), or it is further ahead
 * than the maximum forward distance allows (`mls-too-far-ahead`, seed 002: 1000). The sender's
 * identity is only trusted after ts-mls has verified the AEAD and the signature of that same leaf.
 */
export async function readPrivateSender(state: ClientState, message: PrivateMessage, cs: CiphersuiteImpl): Promise<Result<PrivateSender>> {
  const keys = epochKeys(state, message.epoch);
  if (keys === undefined) return mlsError('mls-stale-epoch');

  let senderData;
  try {
    senderData = await decryptSenderData(message, keys.senderDataSecret, cs);
  } catch {
    senderData = undefined;
  }
  if (senderData === undefined) return mlsError('mls-undecryptable');

  const node = keys.secretTree[senderData.leafIndex * 2];
  if (node === undefined) return mlsError('mls-undecryptable', NOT_A_MEMBER);
  const identity = leafIdentity(keys.ratchetTree, senderData.leafIndex);
  if (!identity.ok) return identity;

  const ratchet = message.contentType === 'application' ? node.application : node.handshake;
  const generation = senderData.generation;
  if (generation < ratchet.generation && ratchet.unusedGenerations[generation] === undefined) return mlsError('mls-too-old');
  if (generation - ratchet.generation > KEY_RETENTION.maximumForwardRatchetSteps) return mlsError('mls-too-far-ahead');
  return ok({ leafIndex: senderData.leafIndex, generation, identity: identity.value });
}
