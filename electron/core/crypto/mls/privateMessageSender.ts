import type { CiphersuiteImpl, ClientState, PrivateMessage } from 'ts-mls';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import { KEY_RETENTION } from './mlsClientConfig';
import type { MlsClientIdentity } from './mlsIdentity';
import { parseMlsIdentityBytes } from './mlsIdentity';
import { mlsError } from './mlsErrors';

export type PrivateSender = Readonly<{ leafIndex: number; generation: number; identity: MlsClientIdentity }>;

/**
 * Reads who sent a PrivateMessage and at which generation, before ts-mls decrypts it, so the
 * engine can name its sender (ts-mls does not return it) and tell the caller precisely why a
 * message cannot be read: its epoch is gone (`mls-stale-epoch`), its key was already used or
 * dropped by the out-of-order window (`mls-too-old`), or it is further ahead than the maximum
 * forward distance allows (`mls-too-far-ahead`, seed 002: 1000). The sender's identity is only
 * trusted after ts-mls has verified the AEAD and the signature of that same leaf.
 */
export async function readPrivateSender(state: ClientState, message: PrivateMessage, cs: CiphersuiteImpl): Promise<Result<PrivateSender>> {
  const current = message.epoch === state.groupContext.epoch;
  const past = current ? undefined : state.historicalReceiverData.get(message.epoch);
  if (!current && past === undefined) return mlsError('mls-stale-epoch');
  const senderDataSecret = past?.senderDataSecret ?? state.keySchedule.senderDataSecret;
  const secretTree = past?.secretTree ?? state.secretTree;
  const ratchetTree = past?.ratchetTree ?? state.ratchetTree;

  let senderData;
  try {
    senderData = await decryptSenderData(message, senderDataSecret, cs);
  } catch {
    senderData = undefined;
  }
  if (senderData === undefined) return mlsError('mls-undecryptable');

  const leaf = ratchetTree[senderData.leafIndex * 2];
  const node = secretTree[senderData.leafIndex * 2];
  if (leaf?.nodeType !== 'leaf' || node === undefined) return mlsError('mls-undecryptable', 'The message names a sender who is not in the conversation.');
  const identity = parseMlsIdentityBytes(leaf.leaf.credential.credentialType === 'basic' ? leaf.leaf.credential.identity : new Uint8Array());
  if (!identity.ok) return mlsError('mls-undecryptable', 'The sender of the message has no valid identity.');

  const ratchet = message.contentType === 'application' ? node.application : node.handshake;
  const generation = senderData.generation;
  if (generation < ratchet.generation && ratchet.unusedGenerations[generation] === undefined) return mlsError('mls-too-old');
  if (generation - ratchet.generation > KEY_RETENTION.maximumForwardRatchetSteps) return mlsError('mls-too-far-ahead');
  return ok({ leafIndex: senderData.leafIndex, generation, identity: identity.value });
}
