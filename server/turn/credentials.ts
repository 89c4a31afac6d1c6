import { createHmac, randomBytes } from 'node:crypto';

/** Seed 002 ("Media Transport"): TURN credentials "expire after 24 hours and need to be refreshed". */
export const TURN_CREDENTIAL_SECONDS = 24 * 3600;

export type TurnCredential = Readonly<{ username: string; credential: string }>;

/**
 * The password coturn expects for `username` under `--use-auth-secret` (its "TURN REST API"):
 * base64(HMAC-SHA1(shared secret, username)). coturn recomputes it from the same secret, so the
 * server and coturn share nothing but that secret and no per-user state exists anywhere.
 */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/**
 * A fresh coturn REST credential valid for 24 hours from `nowMs`: username
 * `"<unix expiry>:<random label>"` (coturn reads the expiry before the `:`, the default
 * `rest-api-separator`, and refuses the username once it has passed).
 *
 * The label is random and new on every call, never a user or device id: seed 002 has clients
 * "use generic credentials to authenticate against the TURN servers, so that calls are
 * indistinguishable for TURN servers. Therefore, TURN servers cannot log identifiable call
 * records." `label` is injectable for tests only.
 */
export function turnCredential(secret: string, nowMs: number, label: string = randomBytes(8).toString('hex')): TurnCredential {
  const username = `${Math.floor(nowMs / 1000) + TURN_CREDENTIAL_SECONDS}:${label}`;
  return { username, credential: turnPassword(secret, username) };
}
