import os from 'node:os';
import { beforeAll } from 'vitest';

/** The bridge scripts/sfuNetns.sh adds: the only non-loopback interface in the namespace. */
export const SFU_INTERFACE = 'cairn0';

/**
 * SFU tests run Janus, which ignores loopback interfaces, so they need the namespace made by
 * `scripts/sfuNetns.sh` (`npm run test:sfu`). Outside it they fail at once with that advice
 * instead of touching the machine's real network.
 */
export function requireSfuNamespace(): void {
  beforeAll(() => {
    const names = Object.keys(os.networkInterfaces());
    const outside = names.filter((name) => name !== 'lo' && name !== SFU_INTERFACE);
    if (!names.includes(SFU_INTERFACE) || outside.length > 0) {
      throw new Error(`SFU tests must run inside the namespace of scripts/sfuNetns.sh: npm run test:sfu (interfaces here: ${names.join(', ')})`);
    }
  });
}
