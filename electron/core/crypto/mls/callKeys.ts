import type { CallId } from '../../../../protocol/content/callSchema';
import { CallIdSchema } from '../../../../protocol/content/callSchema';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { EngineContext } from './engineContext';
import { exportSecret } from './groupMessages';
import type { MlsGroup } from './mlsGroup';
import { groupStatus } from './mlsGroup';
import { mlsError } from './mlsErrors';

/** RFC 9605 §5.2 ("SFrame with MLS"): the exporter label of the per-epoch SFrame base key. */
export const SFRAME_BASE_KEY_LABEL = 'SFrame 1.0 Base Key';

/** AES-256-GCM with HKDF-SHA512 (RFC 9605 suite 0x0005) takes a 32-byte base key (Nk). */
export const SFRAME_BASE_KEY_BYTES = 32;

/**
 * The KID the frame worker builds is (step << 16) | (leaf << 8) | (epoch & 0xff): 8 bits for
 * the sender's leaf, so a leaf index must fit them (reference/feas-calls §3).
 */
export const MAX_SFRAME_LEAF = 0xff;

/**
 * What the renderer's SFrame worker takes for one epoch, exactly (renderer/calls/): never MLS
 * state, only this key. `baseKey` is a fresh ArrayBuffer the caller may transfer.
 */
export type CallBaseKey = Readonly<{ epoch: number; baseKey: ArrayBuffer; selfLeaf: number }>;

/**
 * The SFrame base key of a 1:1 call for the group's current epoch: MLS-Exporter("SFrame 1.0 Base
 * Key", context = the call id's 16 bytes, 32) (RFC 9420 §8.5; RFC 9605 §5.2 with the call id as
 * context, issue 13, so two calls of one conversation never share frame keys). Every member at the
 * same epoch derives the same bytes; a commit gives a new key; a removed member derives none.
 * Call it again after each epoch change of the conversation and hand the new key to the worker.
 * Reached through `MlsEngine.callBaseKey`.
 */
export async function callBaseKey(ctx: EngineContext, group: MlsGroup, callId: CallId): Promise<Result<CallBaseKey>> {
  const id = CallIdSchema.safeParse(callId);
  if (!id.success) return mlsError('mls-invalid-message', 'The call id is not a UUID.');
  const status = groupStatus(group);
  if (status.membership !== 'active') return mlsError('mls-not-member');
  const selfLeaf = group.state.privatePath.leafIndex;
  if (selfLeaf > MAX_SFRAME_LEAF) {
    return mlsError('mls-invalid-message', `Calls support leaf positions up to ${MAX_SFRAME_LEAF}; this device sits at ${selfLeaf}.`);
  }
  const exported = await exportSecret(ctx, group, SFRAME_BASE_KEY_LABEL, callIdBytes(id.data), SFRAME_BASE_KEY_BYTES);
  if (!exported.ok) return exported;
  const baseKey = new ArrayBuffer(SFRAME_BASE_KEY_BYTES);
  new Uint8Array(baseKey).set(exported.value);
  exported.value.fill(0);
  return ok({ epoch: Number(status.epoch), baseKey, selfLeaf });
}

/** The 16 bytes of a UUID (RFC 9562 §4), the exporter context: independent of letter case. */
export function callIdBytes(callId: CallId): Uint8Array {
  return Uint8Array.from(Buffer.from(callId.replaceAll('-', ''), 'hex'));
}
