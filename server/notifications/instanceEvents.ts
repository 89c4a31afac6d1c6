import { z } from 'zod';
import type { Delivered } from '../store/records';

/** The PostgreSQL NOTIFY channel every server instance listens on (store/postgres/instanceBus.ts). */
export const HUB_CHANNEL = 'cairn_hub';

/**
 * What one server instance tells the others through the database. Only ids: the receiver reads
 * the rows itself, so nothing of a message passes through the channel (and the 8 000-byte limit
 * of a NOTIFY payload never matters).
 * - `stored`: a transaction committed notification ids `first`…`last` (all its ids; sent inside
 *   that transaction, see store/postgres/queue.ts).
 * - `client-removed`: a device was deleted or replaced; its sockets are told and closed.
 * - `signed-out`: a user's sessions were revoked; their sockets close (but the session `keep`).
 */
export const InstanceEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stored'), first: z.number().int().positive(), last: z.number().int().positive() }),
  z.object({ kind: z.literal('client-removed'), userId: z.string().max(64), clientId: z.string().max(64) }),
  z.object({ kind: z.literal('signed-out'), userId: z.string().max(64), keep: z.string().max(64).optional() }),
]);
export type InstanceEvent = z.infer<typeof InstanceEventSchema>;

/**
 * The channel between server instances on one database: absent on SQLite, which serves one
 * instance only. `listen` hears every event of every instance, this one's included, in the order
 * the database committed them; `reconnected` is called when the listening connection was lost and
 * is back (events in between may be lost, so devices must catch up from the queue).
 */
export interface InstanceBus {
  listen(handlers: Readonly<{ event(event: InstanceEvent): void; lost(): void }>): Promise<void>;
  /** Sends an event outside any transaction (the `stored` events are sent by the store itself). */
  publish(event: InstanceEvent): Promise<void>;
  /** The stored notifications with ids `first`…`last` and the devices each one is for, in id order. */
  readStored(first: number, last: number): Promise<readonly Delivered[]>;
  close(): Promise<void>;
}
