import type { ServerConfig } from '../ipc/contract';

/**
 * Which server a page-supplied request may use. A build made for one organisation carries its
 * server and pins (resources/server.json, read by the shell): seed 002 has clients pin "to a set
 * of hard-coded values", and a compromised or tricked page must not swap them for its own. So
 * with a built-in server the request must name that server with exactly its pins (in any order),
 * and the built-in value is what is used; anything else is refused. Without one, the request is
 * used as it is.
 */
export type ServerDecision = Readonly<{ ok: true; server: ServerConfig }> | Readonly<{ ok: false; code: 'server-built-in' }>;

export function serverToUse(builtIn: ServerConfig | null, requested: ServerConfig): ServerDecision {
  if (builtIn === null) return { ok: true, server: requested };
  const samePins = new Set(requested.pins).size === new Set(builtIn.pins).size && requested.pins.every((pin) => builtIn.pins.includes(pin));
  return sameAddress(builtIn.url, requested.url) && samePins ? { ok: true, server: builtIn } : { ok: false, code: 'server-built-in' };
}

/** Equal once parsed: host case and a bare trailing slash do not make another server. */
function sameAddress(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}
