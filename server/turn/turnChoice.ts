/**
 * Which TURN server `npm run server` hands to clients, decided from its flags and the machine:
 * an existing coturn named by `--turn-url` with its `--turn-secret`, a coturn started beside the
 * server (installed, server on loopback), or none, with the reason said plainly.
 */
export type TurnChoice =
  | Readonly<{ kind: 'external'; urls: readonly string[]; secret: string }>
  | Readonly<{ kind: 'bundled'; binary: string }>
  | Readonly<{ kind: 'none'; reason: string }>
  | Readonly<{ kind: 'invalid'; message: string }>;

export type TurnFlags = Readonly<{
  urls: readonly string[];
  secret: string | undefined;
  noTurn: boolean;
  /** The address the server listens on. */
  host: string;
  /** `turnserver` on this machine (turn/coturn.ts `findTurnserver`). */
  turnserver: string | undefined;
}>;

/** RFC 7065 TURN URIs (`turn:` / `turns:`, optional `?transport=udp|tcp`). */
const TURN_URL = /^turns?:[^\s?#]+(\?transport=(udp|tcp))?$/;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function chooseTurn(flags: TurnFlags): TurnChoice {
  if (flags.urls.length > 0) {
    const bad = flags.urls.find((url) => !TURN_URL.test(url));
    if (bad !== undefined) return { kind: 'invalid', message: `--turn-url must look like turn:HOST:3478?transport=udp, not "${bad}"` };
    if (flags.noTurn) return { kind: 'invalid', message: '--no-turn and --turn-url contradict each other: give one of them' };
    if (flags.secret === undefined || flags.secret === '') {
      return { kind: 'invalid', message: "--turn-url needs --turn-secret (or --turn-secret-file): coturn's static-auth-secret, which the server signs credentials with" };
    }
    return { kind: 'external', urls: flags.urls, secret: flags.secret };
  }
  if (flags.secret !== undefined) return { kind: 'invalid', message: '--turn-secret is for the coturn named by --turn-url; give --turn-url too' };
  if (flags.noTurn) return { kind: 'none', reason: 'turned off with --no-turn' };
  if (flags.turnserver === undefined) return { kind: 'none', reason: 'coturn (turnserver) is not installed here; install it, or pass --turn-url and --turn-secret of an existing one' };
  if (!isLoopback(flags.host)) {
    return {
      kind: 'none',
      reason: `the coturn this server can start listens on loopback only, which clients of ${flags.host} cannot reach; run coturn on a reachable address and pass --turn-url and --turn-secret`,
    };
  }
  return { kind: 'bundled', binary: flags.turnserver };
}
