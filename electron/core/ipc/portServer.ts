import type { Router } from './router';
import { IPC_ERRORS } from './errors';
import type { PortLike, WireFromCore } from './wire';
import { WireToCoreSchema } from './wire';

/**
 * Serves the router on one port: parses each inbound message, answers with a response of the
 * same id. A message that is not a well-formed request is dropped (and reported), or answered
 * with `ipc-invalid-message` when it at least carries a usable id. Never throws.
 */
export function servePort(
  port: PortLike<unknown, WireFromCore>,
  router: Router,
  onDropped?: (reason: string) => void,
): () => void {
  return port.onMessage((message) => {
    const parsed = WireToCoreSchema.safeParse(message);
    if (!parsed.success) {
      const id = extractId(message);
      if (id === undefined) {
        onDropped?.('message without a usable id');
        return;
      }
      port.postMessage({
        kind: 'response',
        id,
        result: { ok: false, error: { code: 'ipc-invalid-message', message: IPC_ERRORS['ipc-invalid-message'] } },
      });
      return;
    }
    const { id, channel, payload } = parsed.data;
    void router.handle(channel, payload).then((result) => {
      try {
        port.postMessage({ kind: 'response', id, result });
      } catch (error) {
        onDropped?.(`could not answer request ${id}: ${error instanceof Error ? error.message : 'unknown'}`);
      }
    });
  });
}

function extractId(message: unknown): number | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const id = (message as Record<string, unknown>).id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : undefined;
}
