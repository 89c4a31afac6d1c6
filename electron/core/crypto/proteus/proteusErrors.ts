/**
 * Failures of the Proteus layer. Codes are stable (the core, the CLI and the UI switch on them);
 * each sentence says what happened and what a person can do. Names follow the errors of Wire's
 * Proteus (DecryptError.DuplicateMessage, TooDistantFuture, InvalidSignature, …) so that logs
 * from both implementations can be compared.
 */
export const PROTEUS_ERRORS = {
  'proteus-invalid-message':
    'A message could not be read: it is not a well-formed Proteus message. It was dropped; ask the sender to send it again.',
  'proteus-invalid-signature':
    'A message failed its integrity check (it was altered, or encrypted for another device). It was dropped and the conversation is unchanged.',
  'proteus-duplicate-message': 'This message was already received and decrypted once. The copy was ignored.',
  'proteus-outdated-message':
    'This message is older than every key this device still keeps: it was either received before or is more than 1000 messages late. It was dropped.',
  'proteus-too-distant-future':
    'More than 1000 messages from this device are missing, so this one cannot be decrypted. Reset the session with this device.',
  'proteus-unknown-prekey':
    'A new session used a prekey this device no longer has. Ask the sender to reset the session with this device.',
  'proteus-remote-identity-changed':
    "The other device's identity key changed. Nothing was decrypted. Verify the device's fingerprint before trusting the new session.",
  'proteus-session-not-found':
    'A message belongs to a session this device does not have. Ask the sender to reset the session with this device.',
  'proteus-invalid-prekey-bundle':
    "The other device's prekey could not be used (malformed or wrongly signed). No session was created; try again later.",
  'proteus-invalid-state':
    'Stored encryption state could not be read. Nothing was changed; restore the profile from a backup or reset the affected session.',
  'proteus-local-identity-changed':
    "A stored session belongs to another identity than this device's. It cannot be used; reset the session.",
  'proteus-invalid-argument': 'Cairn asked the encryption layer for something impossible. Nothing was changed; please report this.',
  'proteus-decrypt-error': 'A message could not be decrypted. It was dropped and the conversation is unchanged.',
  'proteus-not-ready': 'The encryption library has not finished loading. Try again in a moment.',
} as const;

export type ProteusErrorCode = keyof typeof PROTEUS_ERRORS;

export type ProteusErrorInfo = Readonly<{ code: ProteusErrorCode; message: string }>;

/** Same shape as `protocol/result.ts` `Result`, with the code narrowed to Proteus codes. */
export type ProteusResult<T> =
  | Readonly<{ ok: true; value: T }>
  | Readonly<{ ok: false; error: ProteusErrorInfo }>;

/**
 * Thrown only inside this folder, where unwinding a half-done ratchet step is simplest; every
 * exported operation catches it (and anything else) and returns a `ProteusResult`.
 */
export class ProteusFailure extends Error {
  readonly code: ProteusErrorCode;
  constructor(code: ProteusErrorCode, detail?: string) {
    super(detail ?? PROTEUS_ERRORS[code]);
    this.code = code;
  }
}

export function proteusError<T = never>(code: ProteusErrorCode, detail?: string): ProteusResult<T> {
  return { ok: false, error: { code, message: detail ?? PROTEUS_ERRORS[code] } };
}

/**
 * Runs an internal operation and turns every failure into a value. Unexpected exceptions
 * (libsodium rejecting a key, a bug) become `fallback`, never a raw exception across the API.
 */
export function guarded<T>(fallback: ProteusErrorCode, operation: () => T): ProteusResult<T> {
  try {
    return { ok: true, value: operation() };
  } catch (error: unknown) {
    if (error instanceof ProteusFailure) return proteusError(error.code, error.message);
    return proteusError(fallback);
  }
}
