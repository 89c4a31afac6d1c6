/**
 * State of the "choose your server" step. Components read `serverStep.state` and call
 * `connect`; all core traffic goes through renderer/api.ts.
 */
import type { ServerConfig, ServerProbe } from '../../electron/core/ipc/contract';
import type { ErrorInfo } from '../../protocol/result';
import { api } from '../api';

export type ServerStepState =
  | Readonly<{ kind: 'editing' }>
  | Readonly<{ kind: 'checking' }>
  | Readonly<{ kind: 'connected'; server: ServerConfig; probe: ServerProbe }>
  | Readonly<{ kind: 'failed'; error: ErrorInfo }>;

export function isValidServerUrl(url: string): boolean {
  return /^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url.trim());
}

class ServerStep {
  state = $state<ServerStepState>({ kind: 'editing' });

  /** `pins`: the current pin first, then backups (renderer/lib/pinList.ts reads them). */
  async connect(url: string, pins: readonly string[]): Promise<void> {
    this.state = { kind: 'checking' };
    const server = { url: url.trim(), pins: [...pins] };
    const result = await api.probeServer(server.url, server.pins);
    this.state = result.ok ? { kind: 'connected', server, probe: result.value } : { kind: 'failed', error: result.error };
  }

  edit(): void {
    this.state = { kind: 'editing' };
  }
}

export const serverStep = new ServerStep();
