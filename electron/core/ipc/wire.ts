/**
 * The message shapes that travel over a port between a bridge and the core (a MessagePort
 * in Electron, a worker port plus a Playwright binding in the test host). The core treats
 * every inbound message as `unknown` and parses it with `WireToCoreSchema`.
 */
import { z } from 'zod';
import type { Result } from '../../../protocol/result';

export const WireToCoreSchema = z
  .object({
    kind: z.literal('request'),
    id: z.number().int().nonnegative(),
    channel: z.string().max(128),
    payload: z.unknown(),
  })
  .strict();
export type WireToCore = z.infer<typeof WireToCoreSchema>;

export type WireFromCore =
  | Readonly<{ kind: 'response'; id: number; result: Result<unknown> }>
  | Readonly<{ kind: 'event'; event: string; payload: unknown }>;

/** The least a port must offer: Node worker ports, Electron ports and test bindings all fit. */
export interface PortLike<In, Out> {
  postMessage(message: Out): void;
  /** Registers the listener; returns a function that removes it. */
  onMessage(listener: (message: In) => void): () => void;
}
