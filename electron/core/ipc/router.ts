import type { z } from 'zod';
import type { Result } from '../../../protocol/result';
import { err, ok } from '../../../protocol/result';
import type { RequestChannel, RequestOf, Requests, ResponseOf } from './contract';
import { isRequestChannel, requests } from './contract';
import { CoreError, IPC_ERRORS } from './errors';

export type Handler<C extends RequestChannel> = (
  request: z.output<Requests[C]['request']>,
) => Promise<ResponseOf<C>> | ResponseOf<C>;

export type Handlers = { readonly [C in RequestChannel]: Handler<C> };

export interface Router {
  /** Validates and dispatches one request. Never throws, whatever it is given. */
  handle(channel: unknown, payload: unknown): Promise<Result<unknown>>;
  /** Typed form of `handle` for in-process callers (the CLI, tests). Same validation. */
  request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
}

export interface RouterOptions {
  /** Receives unexpected handler failures (name and message only; never the payload). */
  onInternalError?: (channel: string, error: unknown) => void;
}

/**
 * Builds the core's request router from one handler per contract channel. Inbound payloads
 * are parsed with the channel's schema before the handler sees them; handler results are
 * parsed with the response schema so a bug in the core cannot send the renderer bad data.
 */
export function createRouter(handlers: Handlers, options: RouterOptions = {}): Router {
  const router: Router = {
    request(channel, payload) {
      // handle() parsed the value with this channel's response schema, so it has this type.
      return router.handle(channel, payload) as Promise<Result<ResponseOf<typeof channel>>>;
    },
    async handle(channel, payload) {
      if (typeof channel !== 'string' || !isRequestChannel(channel)) {
        return err('ipc-unknown-channel', IPC_ERRORS['ipc-unknown-channel']);
      }
      const spec = requests[channel];
      const parsed = spec.request.safeParse(payload);
      if (!parsed.success) {
        return err('ipc-invalid-request', describeIssues(channel, parsed.error));
      }
      try {
        // The map type guarantees handlers[channel] accepts this channel's request.
        const handler = handlers[channel] as (request: unknown) => unknown;
        const value = await handler(parsed.data);
        const checked = spec.response.safeParse(value);
        if (!checked.success) {
          options.onInternalError?.(channel, new Error(`response failed its schema: ${checked.error.message}`));
          return err('internal', IPC_ERRORS.internal);
        }
        return ok(checked.data);
      } catch (error) {
        if (error instanceof CoreError) return err(error.code, error.message);
        options.onInternalError?.(channel, error);
        return err('internal', IPC_ERRORS.internal);
      }
    },
  };
  return router;
}

function describeIssues(channel: string, error: z.ZodError): string {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? ` at "${first.path.join('.')}"` : '';
  return `${IPC_ERRORS['ipc-invalid-request']} (${channel}${where}: ${first?.message ?? 'invalid'})`;
}
