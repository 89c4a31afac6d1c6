/**
 * The shell's side channel for file grants (services/fileGrants.ts): main (or the test host
 * playing it) tells the core which path a grant id stands for, over its own channel to the core
 * process, never through the page. The core answers once the grant is recorded, so the shell
 * hands the id to the page only when a request with it will be accepted.
 */
import { z } from 'zod';
import type { Core } from '../core';
import { FileGrantSchema } from '../ipc/contract';

export const GrantMessageSchema = z
  .object({ kind: z.literal('grant'), id: FileGrantSchema, access: z.enum(['read', 'write']), path: z.string().min(1).max(4096) })
  .strict();
export type GrantMessage = z.infer<typeof GrantMessageSchema>;

/** The core's answer: `ok` false when the core is not running or the path was refused. */
export type GrantedMessage = Readonly<{ kind: 'granted'; id: string; ok: boolean }>;

/** Records the grant in `core` (undefined: not started yet) and returns the answer for the shell. */
export function recordGrant(core: Core | undefined, message: GrantMessage): GrantedMessage {
  if (!core) return { kind: 'granted', id: message.id, ok: false };
  try {
    core.grantFile(message.access, message.path, message.id);
    return { kind: 'granted', id: message.id, ok: true };
  } catch {
    return { kind: 'granted', id: message.id, ok: false };
  }
}
