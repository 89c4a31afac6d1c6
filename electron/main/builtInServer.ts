/**
 * A build for one organisation carries its server and pins in `resources/server.json`
 * (build/README.md says how a packager adds it). When the file is there, the core connects to
 * that server only, with those pins, and the page cannot choose another (electron/core/net/
 * builtInServer.ts). A file that is there but unreadable stops the start: falling back to "any
 * server" would quietly drop the protection the build promised.
 */
import { z } from 'zod';
import type { MachinePolicy } from '../../protocol/machinePolicy';
import { parsePinList } from '../../protocol/pins';
import { missingCase } from '../../protocol/result';
import type { DefaultServer } from './defaultServer';
import { defaultServerFromEnv } from './defaultServer';

/** Its name inside the resources folder (`extraResources` copies resources/ as is). */
export const BUILT_IN_SERVER_FILE = 'server.json';

const FileSchema = z
  .object({
    url: z.string().regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'the server address must start with https://'),
    // The current pin and backups: a list, or one string as CAIRN_SERVER_PINS takes it.
    pins: z.union([z.array(z.string()), z.string()]),
  })
  .strict();

export type BuiltInServerRead =
  | Readonly<{ kind: 'none' }>
  | Readonly<{ kind: 'fixed'; server: DefaultServer }>
  | Readonly<{ kind: 'invalid'; reason: string }>;

/** Reads the file's text, or `null` when the build has no such file. */
export function readBuiltInServer(text: string | null): BuiltInServerRead {
  if (text === null) return { kind: 'none' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: `${BUILT_IN_SERVER_FILE} is not JSON.` };
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', reason: `${BUILT_IN_SERVER_FILE} needs "url" (https://…) and "pins".` };
  const pins = parsePinList(Array.isArray(parsed.data.pins) ? parsed.data.pins.join(',') : parsed.data.pins);
  if (!pins.ok) {
    return { kind: 'invalid', reason: pins.invalid === '' ? `${BUILT_IN_SERVER_FILE} needs 1 to 8 pins.` : `"${pins.invalid}" in ${BUILT_IN_SERVER_FILE} is not a pin.` };
  }
  return { kind: 'fixed', server: { url: parsed.data.url, pins: [...pins.pins] } };
}

export type ServerSettings =
  | Readonly<{ ok: true; defaultServer: DefaultServer | null; builtInServer: DefaultServer | null }>
  | Readonly<{ ok: false; reason: string }>;

/**
 * What the core starts with: a built-in server wins over the environment (CAIRN_SERVER_URL and
 * CAIRN_SERVER_PINS only pre-fill a standard build's welcome screen).
 */
export function serverSettings(builtIn: BuiltInServerRead, env: Readonly<Record<string, string | undefined>>): ServerSettings {
  switch (builtIn.kind) {
    case 'none':
      return { ok: true, defaultServer: defaultServerFromEnv(env), builtInServer: null };
    case 'fixed':
      return { ok: true, defaultServer: builtIn.server, builtInServer: builtIn.server };
    case 'invalid':
      return { ok: false, reason: builtIn.reason };
    default:
      return missingCase(builtIn);
  }
}

/**
 * Adds machine policy's server (protocol/machinePolicy.ts): it becomes the fixed server of a
 * standard build. A build made for one server whose machine policy names another cannot honour
 * both, so it does not start: either choice would override someone who meant to fix the server.
 */
export function withMachinePolicyServer(settings: ServerSettings, policy: MachinePolicy): ServerSettings {
  const server = policy.server;
  if (!settings.ok || server === undefined) return settings;
  const fixed: DefaultServer = { url: server.url, pins: [...server.pins] };
  if (settings.builtInServer === null) return { ok: true, defaultServer: fixed, builtInServer: fixed };
  const same = settings.builtInServer.url === fixed.url && settings.builtInServer.pins.length === fixed.pins.length && fixed.pins.every((pin) => settings.builtInServer?.pins.includes(pin));
  return same
    ? settings
    : { ok: false, reason: `This copy is built for ${settings.builtInServer.url}, but this computer's policy names ${fixed.url}. Ask your administrator which one applies.` };
}
