/**
 * "Forgot password?" (issue 17, defect 10), for a signed-out profile: the two requests to the
 * server, each on a client of its own that is closed afterwards. AccountService checks that no
 * account is signed in and hands over the client.
 */
import { CoreError } from '../ipc/errors';
import type { ApiClient } from '../net/apiClient';

/**
 * The server mails a reset code to the address, or a note that no account uses it; its answer
 * is the same either way (seed 002, security review item 10), so this resolves without saying which.
 */
export async function requestPasswordReset(client: ApiClient, email: string): Promise<void> {
  try {
    await client.call('passwordReset', { body: { email } });
  } finally {
    client.close();
  }
}

/** The mailed reset code: `<key>:<code>`, both base64url (server/routes/accounts.ts). */
const RESET_CODE = /^([A-Za-z0-9_-]{43}):([A-Za-z0-9_-]{1,64})$/;

/**
 * Sets a new password with the mailed reset code: the key names the account without revealing
 * it (SHA-256 of the user id, seed 002) and the code proves the mailbox. The server then ends
 * every session of the account. Nothing is stored here: the user signs in next.
 */
export async function completePasswordReset(client: ApiClient, resetCode: string, password: string): Promise<void> {
  const parsed = RESET_CODE.exec(resetCode.trim());
  if (!parsed?.[1] || !parsed[2]) {
    client.close();
    throw new CoreError('account-reset-code-malformed');
  }
  try {
    await client.call('passwordResetComplete', { body: { key: parsed[1], code: parsed[2], password } });
  } finally {
    client.close();
  }
}
