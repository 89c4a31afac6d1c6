import { createApplicationMessage, mlsExporter } from 'ts-mls';
import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import type { EngineContext } from './engineContext';
import { paddingFor } from './messagePadding';
import type { MlsGroup } from './mlsGroup';
import { messageDigest, withSeen } from './mlsGroup';
import { guarded, mlsError } from './mlsErrors';
import { encodeMessage } from './mlsWire';

/**
 * Largest plaintext accepted: the padded PrivateMessage must stay under the server's 1 MiB
 * limit (`MAX_MLS_MESSAGE_BYTES` in protocol/api/mls.ts); padmé adds at most ~12 %.
 */
export const MAX_PLAINTEXT_BYTES = 896 * 1024;

/**
 * Encrypts an application message as a PrivateMessage, padded per `messagePadding.ts`. The
 * returned group has advanced this device's sending ratchet: store it with the outgoing
 * message, or a restart would reuse the generation (nonce reuse is prevented only by the
 * reuse guard, RFC 9420 §6.3.2).
 */
export async function encryptMessage(ctx: EngineContext, group: MlsGroup, plaintext: Uint8Array): Promise<Result<{ group: MlsGroup; message: Uint8Array }>> {
  if (group.state.groupActiveState.kind !== 'active') return mlsError('mls-not-member');
  if (Object.keys(group.state.unappliedProposals).length > 0) return mlsError('mls-pending-proposals');
  if (plaintext.length > MAX_PLAINTEXT_BYTES) return mlsError('mls-invalid-message', 'The message is too large to send.');
  return guarded('mls-internal', async () => {
    const config = group.state.clientConfig;
    const padded = { ...group.state, clientConfig: { ...config, paddingConfig: paddingFor(plaintext.length) } };
    const result = await createApplicationMessage(padded, plaintext, ctx.suite.impl);
    const message = encodeMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: result.privateMessage });
    return ok({ group: withSeen(group, { ...result.newState, clientConfig: config }, messageDigest(message)), message });
  });
}

/**
 * RFC 9420 §8.5 MLS-Exporter for keys other protocols need (call media keys, seed 001). Every
 * member at the same epoch derives the same bytes; a new epoch gives new ones.
 */
export async function exportSecret(ctx: EngineContext, group: MlsGroup, label: string, context: Uint8Array, length: number): Promise<Result<Uint8Array>> {
  if (!Number.isInteger(length) || length < 1 || length > 255 * ctx.suite.impl.kdf.size) {
    return mlsError('mls-invalid-message', 'The requested exporter length is out of range.');
  }
  if (group.state.groupActiveState.kind !== 'active') return mlsError('mls-not-member');
  return guarded('mls-internal', async () =>
    ok(await mlsExporter(group.state.keySchedule.exporterSecret, label, context, length, ctx.suite.impl)),
  );
}
