/**
 * The server pre-filled on the welcome screen, from `CAIRN_SERVER_URL` and
 * `CAIRN_SERVER_PINS` (comma-separated `sha256/…`). `npm start` sets them for the local
 * server. The core validates the values again; here only the shape is assembled.
 */
export interface DefaultServer {
  readonly url: string;
  readonly pins: string[];
}

export function defaultServerFromEnv(env: Readonly<Record<string, string | undefined>>): DefaultServer | null {
  const url = env.CAIRN_SERVER_URL?.trim();
  const pins = (env.CAIRN_SERVER_PINS ?? '')
    .split(',')
    .map((pin) => pin.trim())
    .filter((pin) => pin !== '');
  if (!url || pins.length === 0) return null;
  return { url, pins };
}
