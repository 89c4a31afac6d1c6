import type { Result } from '../../../../protocol/result';
import { err } from '../../../../protocol/result';

/**
 * Failures of the MLS engine. Codes are stable: the messaging pipeline switches on them (drop a
 * duplicate silently, catch up on `mls-future-epoch`, show "could not decrypt" on
 * `mls-undecryptable`). Every failure leaves the group state the caller passed in usable, because
 * the engine never mutates it — the sentences say so where a person could wonder.
 */
export const MLS_ERRORS = {
  'mls-duplicate': 'This message was already processed on this device. It was ignored.',
  'mls-stale-epoch':
    'This message belongs to an older state of the conversation that this device no longer keeps. It cannot be read.',
  'mls-future-epoch':
    'This message belongs to a newer state of the conversation. Fetch the pending messages first, then process it again.',
  'mls-wrong-group': 'This message belongs to a different conversation.',
  'mls-undecryptable': 'This message could not be decrypted or verified.',
  'mls-too-old':
    'This message arrived too late: its key was discarded to keep past messages safe (out-of-order tolerance). It cannot be read.',
  'mls-too-far-ahead':
    'This message claims to be too far ahead of the messages received so far from its sender. It was refused.',
  'mls-not-member': 'This device is no longer a member of the conversation.',
  'mls-pending-proposals':
    'The conversation has pending changes from another member. Commit them before sending messages.',
  'mls-invalid-message': 'The MLS data is malformed or of an unexpected kind.',
  'mls-invalid-commit': 'The change to the conversation could not be verified. It was not applied.',
  'mls-commit-refused': 'The change to the conversation breaks its rules (who may add or remove whom, or who a device is). It was not applied.',
  'mls-invalid-key-package': 'A key package is malformed, expired, for another cipher suite, or badly signed.',
  'mls-invalid-group-info': 'The group information is malformed or its signature does not verify.',
  'mls-welcome-not-for-us': 'This invitation was made for a key package this device does not hold.',
  'mls-unknown-member': 'No such member is in the conversation.',
  'mls-unsupported-suite': 'This cipher suite is not supported by this version of Cairn.',
  'mls-invalid-state': 'The stored conversation state could not be read. It may be damaged or from a newer version.',
  'mls-internal': 'The encryption library failed unexpectedly. Nothing was changed; please report this.',
} as const;

export type MlsErrorCode = keyof typeof MLS_ERRORS;

/** A failed result with a stable MLS code; `detail` replaces the default sentence when it says more. */
export function mlsError<T = never>(code: MlsErrorCode, detail?: string): Result<T> {
  return err<T>(code, detail ?? MLS_ERRORS[code]);
}

/** The message of a thrown value, for details only (never shown without a code in front of it). */
export function thrownMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs a library call and turns anything it throws into `code`. ts-mls reports failures by
 * throwing; the engine must never let those cross its interface (STYLE.md: results as values).
 */
export async function guarded<T>(code: MlsErrorCode, run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await run();
  } catch (error) {
    return mlsError<T>(code, `${MLS_ERRORS[code]} (${thrownMessage(error)})`);
  }
}
