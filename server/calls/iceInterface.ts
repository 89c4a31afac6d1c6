import type { NetworkInterfaceInfo } from 'node:os';
import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';

export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

/**
 * Picks the interface a local Janus gathers ICE candidates on (`ice_enforce_list`). Janus 1.1.2
 * skips every IFF_LOOPBACK interface before it reads that list (src/ice.c,
 * `janus_ice_setup_local`), so on a machine with only `lo` it has no candidate and every publish
 * fails with 490 "Error setting ICE locally" (measured, ../shared/reference/feas-calls §1).
 * Node marks IFF_LOOPBACK interfaces `internal`, so any non-internal IPv4 address will do; a
 * bridge carrying 127.0.0.2/32 counts (the test namespace's `cairn0`). `wanted` names one.
 */
export function pickIceInterface(table: InterfaceTable, wanted?: string): Result<string> {
  const usable = Object.entries(table)
    .filter(([, addresses]) => (addresses ?? []).some((address) => !address.internal && address.family === 'IPv4'))
    .map(([name]) => name);
  if (wanted !== undefined) {
    return usable.includes(wanted)
      ? ok(wanted)
      : err('sfu-interface-missing', `Janus cannot use the network interface "${wanted}": it does not exist, has no IPv4 address or is a loopback interface. Interfaces it could use: ${usable.join(', ') || 'none'}.`);
  }
  const first = usable[0];
  return first !== undefined
    ? ok(first)
    : err(
        'sfu-no-interface',
        'Janus was not started: it ignores loopback interfaces, and this machine has no other network interface with an IPv4 address. Add one (docs/ARCHITECTURE.md, "Calls: SFU (Janus)", shows a bridge with 127.0.0.2) or pass --sft-url for a Janus elsewhere.',
      );
}
