import type { Result } from '../../../../protocol/result';
import { ok } from '../../../../protocol/result';
import { mlsError } from './mlsErrors';

/**
 * Who a leaf of an MLS group is: one device (client) of one user. The basic credential carries
 * `<user-uuid>:<client-id>@<domain>` — Wire's format, which OpenMLS/core-crypto also builds from
 * its ClientId and checks on decrypt (see ../shared/reference/feas-mls/interop-identity.ts).
 * Client ids are the server's 16 lowercase hex digits (`protocol/api/common.ts`), but the
 * credential writes the 64-bit id in hex without leading zeros, exactly as core-crypto renders
 * `ClientId(uuid, DeviceId(n), domain)` (`…:a2b3c4d5e6f7081@…`) — OpenMLS finds members by those
 * bytes, e.g. to remove one. Parsing accepts 1–16 digits and pads back to the server's form.
 */
export type MlsClientIdentity = Readonly<{ userId: string; clientId: string; domain: string }>;

const IDENTITY =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([0-9a-f]{1,16})@([a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/;

export function formatMlsIdentity(identity: MlsClientIdentity): string {
  const clientId = identity.clientId.replace(/^0+(?=.)/, '');
  return `${identity.userId}:${clientId}@${identity.domain}`;
}

/** Parses the text form; anything else is refused, so a malformed credential never becomes a member. */
export function parseMlsIdentity(text: string): Result<MlsClientIdentity> {
  const match = IDENTITY.exec(text);
  if (match === null || match[1] === undefined || match[2] === undefined || match[3] === undefined || text.length > 300) {
    return mlsError('mls-invalid-key-package', 'A credential is not of the form <user-uuid>:<client-id>@<domain>.');
  }
  return ok({ userId: match[1], clientId: match[2].padStart(16, '0'), domain: match[3] });
}

/** Parses the identity bytes of a basic credential (UTF-8, fatal on invalid sequences). */
export function parseMlsIdentityBytes(bytes: Uint8Array): Result<MlsClientIdentity> {
  try {
    return parseMlsIdentity(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return mlsError('mls-invalid-key-package', 'A credential is not valid UTF-8.');
  }
}

export function sameClient(a: MlsClientIdentity, b: MlsClientIdentity): boolean {
  return a.userId === b.userId && a.clientId === b.clientId && a.domain === b.domain;
}
