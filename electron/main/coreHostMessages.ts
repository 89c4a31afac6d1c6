/**
 * Messages between the shell and the core's utility process (the host side lives in
 * electron/core/hosts/utilityHost.ts, which the shell may not import). Each side parses what
 * it receives; test/unit/shell checks that the two agree.
 */
import { z } from 'zod';
import type { MachinePolicy } from '../../protocol/machinePolicy';

export const CoreToShellSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready') }).strict(),
  z.object({ kind: z.literal('call-state'), active: z.boolean(), ringing: z.boolean() }).strict(),
  z
    .object({
      kind: z.literal('notify'),
      conversationId: z.string().max(128),
      title: z.string().max(256),
      body: z.string().max(512),
      call: z.object({ callId: z.uuid(), notice: z.enum(['incoming-call', 'missed-call']), media: z.enum(['audio', 'video']) }).strict().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('app-lock'), locked: z.boolean() }).strict(),
  z.object({ kind: z.literal('locked') }).strict(),
  z.object({ kind: z.literal('fatal'), message: z.string().max(2000) }).strict(),
  /** The core recorded (or refused) the file grant with this id. */
  z.object({ kind: z.literal('granted'), id: z.string().max(64), ok: z.boolean() }).strict(),
]);

/**
 * Exit code of a core that locked and asks for a fresh process (`LOCKED_EXIT_CODE` in
 * electron/core/hosts/lockedExit.ts): a planned replacement, not a crash.
 */
export const CORE_LOCKED_EXIT_CODE = 3;
export type CoreToShell = z.infer<typeof CoreToShellSchema>;

/** Options the core needs to start; the host validates them against its own schema. */
export interface CoreStartOptions {
  readonly dataDir: string;
  readonly appVersion: string;
  readonly defaultServer: Readonly<{ url: string; pins: readonly string[] }> | null;
  /** The server and pins built into a packaged copy: the core then uses no other. */
  readonly builtInServer?: Readonly<{ url: string; pins: readonly string[] }> | null;
  /** What IT set on this computer (machinePolicyReader.ts); the core applies the stricter of it and the server's. */
  readonly machinePolicy?: MachinePolicy;
  readonly runtime: string;
}

export type ShellToCore =
  | Readonly<{ kind: 'start'; options: CoreStartOptions }>
  | Readonly<{ kind: 'attach' }>
  | Readonly<{ kind: 'shutdown' }>
  | Readonly<{ kind: 'system-locked' }>
  | Readonly<{ kind: 'grant'; id: string; access: 'read' | 'write'; path: string }>;
