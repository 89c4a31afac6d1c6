/**
 * The device a basic MLS credential names. Cairn (like Wire's core-crypto) writes
 * `<user-uuid>:<client-id hex without leading zeros>@<domain>` (the core's `mlsIdentity.ts`
 * describes why); the server keeps its own parser because it may not import client code, and
 * because it is the delivery service's check of who a new leaf claims to be (security review
 * item 1). Client ids come back padded to the server's 16 hex digits.
 */
export type DeviceIdentity = Readonly<{ userId: string; clientId: string; domain: string }>;

const IDENTITY =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([0-9a-f]{1,16})@([a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/;
const MAX_IDENTITY_BYTES = 300;

/** Parses a credential's identity bytes; anything that is not exactly the form above is undefined. */
export function parseDeviceIdentity(bytes: Uint8Array): DeviceIdentity | undefined {
  if (bytes.length > MAX_IDENTITY_BYTES) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const match = IDENTITY.exec(text);
  if (match === null || match[1] === undefined || match[2] === undefined || match[3] === undefined) return undefined;
  return { userId: match[1], clientId: match[2].padStart(16, '0'), domain: match[3] };
}
