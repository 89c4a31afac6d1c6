/**
 * The server pre-filled on the welcome screen, from `CAIRN_SERVER_URL` and
 * `CAIRN_SERVER_PINS` (the current pin and backups, separated by commas, spaces or new lines,
 * read by protocol/pins.ts like every other list of pins). `npm start` sets them for the local
 * server. The core validates the values again; here only the shape is assembled.
 */
import { parsePinList } from '../../protocol/pins';

export interface DefaultServer {
  readonly url: string;
  readonly pins: string[];
}

/** Null when either is missing, or when the pins are not pins: the core refuses those at start. */
export function defaultServerFromEnv(env: Readonly<Record<string, string | undefined>>): DefaultServer | null {
  const url = env.CAIRN_SERVER_URL?.trim();
  const pins = parsePinList(env.CAIRN_SERVER_PINS ?? '');
  if (!url || !pins.ok) return null;
  return { url, pins: [...pins.pins] };
}
