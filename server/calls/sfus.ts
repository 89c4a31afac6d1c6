import path from 'node:path';
import type { Result } from '../../protocol/result';
import { err, missingCase, ok } from '../../protocol/result';
import type { InterfaceTable } from './iceInterface';
import type { LocalJanus } from './localJanus';
import { janusInstalled, startLocalJanus } from './localJanus';
import { signSfuToken } from './sfuToken';

/**
 * Which SFUs (Janus VideoRoom instances) the server hands to clients:
 * - `none`: no conferences through an SFU;
 * - `local`: start a Janus beside the server (`required: false` = only when installed, and a
 *   failure is logged, not fatal; `true` = the server does not start without it);
 * - `remote`: Janus instances run elsewhere, sharing `secret` (their `token_auth_secret`).
 */
export type SfuSetup =
  | Readonly<{ kind: 'none' }>
  | Readonly<{
      kind: 'local';
      required: boolean;
      binary?: string;
      iceInterface?: string;
      rtpPortRange?: string;
      interfaces?: InterfaceTable;
      /** Serve Janus's API over HTTPS on this address with the server's own key (clients pin it) instead of http on loopback. */
      httpsIp?: string;
    }>
  | Readonly<{ kind: 'remote'; urls: readonly string[]; secret: string; pins?: readonly string[] }>;

/** One SFU as a client gets it for `sftServers` in `GET /calls/config`. */
export type SftServer = Readonly<{
  /** Base URL of the Janus HTTP API (`…/janus`). */
  url: string;
  /** Signed, expiring Janus token (sfuToken.ts); names no user. */
  token: string;
  /** Unix seconds after which Janus refuses the token. */
  expires: number;
  /** SPKI pins for an https URL; empty for plain http, which clients accept on loopback only. */
  pins: readonly string[];
}>;

type Instance = Readonly<{ url: string; tokenSecret: string; pins: readonly string[] }>;

export interface Sfus {
  /** Every SFU with a fresh token, for `GET /calls/config`. */
  sftServers(nowMs: number): readonly SftServer[];
  /** One sentence for the log: which SFUs are in use. */
  readonly summary: string;
  /** Stops a Janus this server started. */
  close(): Promise<void>;
}

export type SfuSecrets = Readonly<{ tokenSecret: string }>;
/** The server's TLS key, certificate and pin, which a local Janus serving https reuses. */
export type SfuTls = Readonly<{ key: string; cert: string; pin: string }>;

function makeSfus(instances: readonly Instance[], summary: string, local: LocalJanus | undefined): Sfus {
  return {
    sftServers: (nowMs) => instances.map((instance) => ({ url: instance.url, ...signSfuToken(instance.tokenSecret, nowMs), pins: instance.pins })),
    summary,
    close: async () => {
      await local?.stop();
    },
  };
}

/**
 * Brings up the configured SFUs. `dataDir/janus` holds a local Janus's generated config and
 * log; `secrets` holds the server's persisted token secret for it.
 */
export async function startSfus(setup: SfuSetup, dataDir: string, secrets: () => Promise<SfuSecrets>, tls?: SfuTls): Promise<Result<Readonly<{ sfus: Sfus; warning?: string }>>> {
  switch (setup.kind) {
    case 'none':
      return ok({ sfus: makeSfus([], 'SFUs in use: none (conference calls are off).', undefined) });
    case 'remote': {
      const bad = setup.urls.find((url) => !/^https?:\/\//.test(url));
      if (bad !== undefined) return err('sfu-bad-url', `--sft-url must be an http(s) URL of a Janus API, not "${bad}".`);
      const instances = setup.urls.map((url) => ({ url: url.replace(/\/+$/, ''), tokenSecret: setup.secret, pins: setup.pins ?? [] }));
      return ok({ sfus: makeSfus(instances, `SFUs in use: ${instances.map((i) => i.url).join(', ')} (run elsewhere).`, undefined) });
    }
    case 'local': {
      if (!setup.required && !janusInstalled(setup.binary)) {
        return ok({ sfus: makeSfus([], 'SFUs in use: none (Janus is not installed: apt-get install janus, or pass --sft-url).', undefined) });
      }
      if (setup.httpsIp !== undefined && tls === undefined) return err('sfu-no-tls', 'Janus cannot serve https: the server has no TLS key to give it.');
      const { tokenSecret } = await secrets();
      const started = await startLocalJanus({
        dir: path.join(dataDir, 'janus'),
        tokenSecret,
        ...(setup.binary !== undefined ? { binary: setup.binary } : {}),
        ...(setup.iceInterface !== undefined ? { iceInterface: setup.iceInterface } : {}),
        ...(setup.rtpPortRange !== undefined ? { rtpPortRange: setup.rtpPortRange } : {}),
        ...(setup.interfaces !== undefined ? { interfaces: setup.interfaces } : {}),
        ...(setup.httpsIp !== undefined && tls !== undefined ? { https: { ip: setup.httpsIp, keyPem: tls.key, certPem: tls.cert } } : {}),
      });
      if (!started.ok) {
        if (setup.required) return started;
        return ok({ sfus: makeSfus([], `SFUs in use: none. ${started.error.message}`, undefined), warning: started.error.message });
      }
      const janus = started.value;
      return ok({
        sfus: makeSfus([{ url: janus.url, tokenSecret, pins: setup.httpsIp !== undefined && tls !== undefined ? [tls.pin] : [] }], `SFUs in use: local Janus ${janus.url} (pid ${janus.pid}, ICE on ${janus.iceInterface}, log ${janus.logFile}).`, janus),
      });
    }
    default:
      return missingCase(setup);
  }
}
