/**
 * A safety number for two people (as Signal shows one): 60 digits in 12 groups of five that both
 * see alike, derived from the fingerprints of every device of both (the MLS signature keys the
 * verification panel lists device by device). Comparing one number, read aloud or side by side,
 * checks all those keys at once; any device added, removed or given another key changes it. It is
 * computed from sorted lines, so it does not depend on who computes it or in what order the devices
 * come. SHA-512 gives the 60 bytes that Signal's construction also takes five at a time
 * (each five-byte chunk read as a number modulo 100000; signal.org/docs, "safety numbers").
 */
export type SafetyDevice = Readonly<{ user: string; fingerprint: string | null }>;

export const SAFETY_GROUPS = 12;
const GROUP_BYTES = 5;

/**
 * The safety number between `self` and `other` from the devices both hold in this conversation,
 * or undefined while a device of either has no key yet (nothing to compare).
 */
export async function safetyNumber(devices: readonly SafetyDevice[], self: string, other: string): Promise<readonly string[] | undefined> {
  const ours = devices.filter((d) => d.user === self || d.user === other);
  if (!ours.some((d) => d.user === self) || !ours.some((d) => d.user === other)) return undefined;
  const lines: string[] = [];
  for (const device of ours) {
    if (device.fingerprint === null) return undefined;
    lines.push(`${device.user} ${device.fingerprint.replace(/\s+/g, '').toLowerCase()}`);
  }
  lines.sort();
  const input = new TextEncoder().encode(`cairn-safety-number-v1\n${lines.join('\n')}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', input));
  const groups: string[] = [];
  for (let g = 0; g < SAFETY_GROUPS; g++) {
    let value = 0;
    for (let i = 0; i < GROUP_BYTES; i++) value = value * 256 + (digest[g * GROUP_BYTES + i] ?? 0);
    groups.push(String(value % 100_000).padStart(5, '0'));
  }
  return groups;
}
