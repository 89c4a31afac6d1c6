/**
 * Table `mls_groups`: the MLS group state this device holds for a conversation (one row each,
 * the serialised state and its epoch). The state advances with the messages and commits it was
 * advanced by, in the same transaction (receive: services/receivedGroups.ts; send:
 * session/outgoingMessages.ts; commits: session/groupSession.ts), so a restart never reuses a
 * ratchet step.
 */
import { z } from 'zod';
import type { ReadableDB, WritableDB } from './handles';
import { cachedStatement } from './statements';

export function saveGroupState(tx: WritableDB, conversationId: string, groupId: Uint8Array, epoch: bigint, state: Uint8Array, now: number): void {
  cachedStatement(
    tx,
    `INSERT INTO mls_groups (conversation_id, group_id, epoch, state, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (conversation_id) DO UPDATE SET group_id = excluded.group_id, epoch = excluded.epoch,
       state = excluded.state, updated_at = excluded.updated_at`,
  ).run(conversationId, groupId, Number(epoch), state, now);
}

/** The stored group state of a conversation; undefined when this device is not in its group. */
export function loadGroupState(db: ReadableDB, conversationId: string): Uint8Array | undefined {
  const state: unknown = cachedStatement(db, 'SELECT state FROM mls_groups WHERE conversation_id = ?').pluck().get(conversationId);
  return state instanceof Uint8Array ? state : undefined;
}

/** Whether this device holds a group for the conversation. */
export function holdsGroup(db: ReadableDB, conversationId: string): boolean {
  return cachedStatement(db, 'SELECT 1 FROM mls_groups WHERE conversation_id = ?').pluck().get(conversationId) !== undefined;
}

/** The epoch of the group this device holds for the conversation, or undefined. */
export function groupEpoch(db: ReadableDB, conversationId: string): number | undefined {
  const epoch: unknown = cachedStatement(db, 'SELECT epoch FROM mls_groups WHERE conversation_id = ?').pluck().get(conversationId);
  return typeof epoch === 'number' ? epoch : undefined;
}

/** This user's self-conversation (its own devices' group), when this device holds its group and has not left it. */
export function heldSelfConversation(db: ReadableDB): string | undefined {
  const id: unknown = cachedStatement(db, `SELECT c.id FROM conversations c JOIN mls_groups g ON g.conversation_id = c.id WHERE c.kind = 'self' AND c.left_at IS NULL`)
    .pluck()
    .get();
  return typeof id === 'string' ? id : undefined;
}

const StateRowsSchema = z.array(z.object({ conversation_id: z.string(), state: z.instanceof(Uint8Array) }));

/** The groups of stored conversations without a device list (`group_devices`): profiles from before migration 8. */
export function groupsWithoutDeviceList(db: ReadableDB): Array<Readonly<{ conversationId: string; state: Uint8Array }>> {
  return StateRowsSchema.parse(
    db
      .prepare(
        `SELECT g.conversation_id, g.state FROM mls_groups g JOIN conversations c ON c.id = g.conversation_id
         WHERE NOT EXISTS (SELECT 1 FROM group_devices d WHERE d.conversation_id = g.conversation_id)`,
      )
      .all(),
  ).map((r) => ({ conversationId: r.conversation_id, state: r.state }));
}

/** A column for a query over `conversations <alias>`: `epoch`, the held group's epoch (NULL without one). */
export function groupEpochColumn(alias: string): string {
  return `(SELECT g.epoch FROM mls_groups g WHERE g.conversation_id = ${alias}.id) AS epoch`;
}
