import { z } from 'zod';

/**
 * Every error the server can answer with: a stable code, its HTTP status and a sentence a
 * person can act on. Clients switch on `code`, never on the sentence or the status alone.
 */
export const API_ERRORS = {
  'bad-request': { status: 400, message: 'The request was malformed. Nothing was changed.' },
  'invalid-json': { status: 400, message: 'The request body is not valid JSON. Nothing was changed.' },
  'unsupported-media-type': { status: 415, message: 'The request body has a content type the server does not accept.' },
  'payload-too-large': { status: 413, message: 'The request is larger than the server accepts.' },
  'not-found': { status: 404, message: 'There is nothing at this address.' },
  unauthorized: { status: 401, message: 'You are not signed in, or your session has ended. Sign in again.' },
  'access-token-expired': { status: 401, message: 'The access token has expired. Refresh it with your cookie.' },
  'invalid-credentials': { status: 403, message: 'The e-mail address or password is wrong.' },
  'rate-limited': { status: 429, message: 'Too many attempts. Wait a little and try again.' },
  'server-busy': { status: 503, message: 'The server is busy. Nothing was changed; try again in a few seconds.' },
  'email-exists': { status: 409, message: 'An account with this e-mail address already exists. Sign in instead.' },
  'weak-password': {
    status: 400,
    message: 'The password must have at least 8 characters, with a lowercase and an uppercase letter, a digit and a special character.',
  },
  'invalid-code': { status: 403, message: 'The code is wrong. Check the e-mail and try again.' },
  'code-exhausted': { status: 403, message: 'The code was entered wrongly too often or has expired. Ask for a new code.' },
  'code-authentication-required': {
    status: 403,
    message: 'This action needs the code that was sent to your e-mail address.',
  },
  'password-reset-pending': {
    status: 409,
    message: 'A password reset is already pending for this account. Use the code you received or wait an hour.',
  },
  'handle-exists': { status: 409, message: 'This username is taken. Choose another one.' },
  'too-many-clients': {
    status: 403,
    message: 'This account already has 7 devices. Remove one of them before adding this device.',
  },
  'client-required': { status: 403, message: 'This request must come from a registered device.' },
  'client-not-found': { status: 404, message: 'This device is not registered (any more) with the account.' },
  'user-not-found': { status: 404, message: 'There is no such user.' },
  'chat-request-not-found': { status: 404, message: 'There is no such chat request for you, or it was already answered or has expired.' },
  'conversation-not-found': { status: 404, message: 'There is no such conversation, or you are not in it.' },
  'asset-not-found': { status: 404, message: 'There is no such file, or you may not download it.' },
  'asset-too-large': { status: 413, message: 'The file is larger than the server accepts.' },
  'too-many-members': { status: 403, message: 'A conversation can have at most 500 members.' },
  'action-denied': { status: 403, message: 'Only an admin of the conversation may do this.' },
  'not-member': { status: 403, message: 'You are not a member of this conversation.' },
  'invalid-operation': { status: 403, message: 'This operation is not possible for this conversation.' },
  'mls-stale-message': {
    status: 409,
    message: 'The group has moved to a newer epoch. Fetch the pending messages and try again.',
  },
  'mls-group-mismatch': { status: 400, message: 'The MLS message belongs to a different group.' },
  'mls-invalid-message': { status: 400, message: 'The MLS message could not be read.' },
  'mls-client-mismatch': { status: 409, message: 'The commit does not match the clients of the group.' },
  'idempotency-key-reused': {
    status: 422,
    message: 'This idempotency key was used for a different message. Use a new key for each message.',
  },
  internal: { status: 500, message: 'Something went wrong on the server. Nothing was changed; try again.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * The JSON body of every non-2xx answer. `code` stays a plain string so that an older client
 * still reads codes added later; `epoch` is present only with `mls-stale-message`.
 */
export const ApiErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  epoch: z.number().int().nonnegative().optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;
