/**
 * The core's side of Electron's utility process, kept free of Electron so it can be unit
 * tested with fake ports. The shell sends `start` (with the core options), then one `attach`
 * per renderer connection carrying a MessagePort; the core serves each port until it closes.
 * The core tells the shell directly whether a call is active (the shell grants camera and
 * microphone only then), what to notify, whether the app is locked (no notifications then), and
 * that it locked and is about to exit so the shell starts a fresh core (`locked`); the shell tells
 * the core which files the user chose (file grants, shellGrants.ts), so that the page never names
 * a path.
 */
import { z } from 'zod';
import type { Core, CoreOptions } from '../core';
import type { PortLike, WireFromCore } from '../ipc/wire';
import { exitWhenLocked } from './lockedExit';
import { CoreHostOptionsSchema } from './options';
import type { GrantedMessage } from './shellGrants';
import { GrantMessageSchema, recordGrant } from './shellGrants';

/** What the shell sends; parsed here because it arrives from another process. */
export const ShellToCoreSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('start'), options: CoreHostOptionsSchema }).strict(),
  z.object({ kind: z.literal('attach') }).strict(),
  z.object({ kind: z.literal('shutdown') }).strict(),
  /** The screen locked or the computer is suspending: lock the app now if its lock is on. */
  z.object({ kind: z.literal('system-locked') }).strict(),
  /** The user picked, dropped or chose to save a file: the page may use it by this grant id. */
  GrantMessageSchema,
]);
export type ShellToCore = z.infer<typeof ShellToCoreSchema>;

/** What the core sends the shell; the shell parses it with its own schema. */
export type CoreToShell =
  | Readonly<{ kind: 'ready' }>
  | Readonly<{ kind: 'call-state'; active: boolean; ringing: boolean }>
  | Readonly<{ kind: 'notify'; conversationId: string; title: string; body: string; call?: Readonly<{ callId: string; notice: 'incoming-call' | 'missed-call'; media: 'audio' | 'video' }> }>
  | Readonly<{ kind: 'app-lock'; locked: boolean }>
  /** This core locked: it closes and exits with LOCKED_EXIT_CODE; start a fresh one. */
  | Readonly<{ kind: 'locked' }>
  | Readonly<{ kind: 'fatal'; message: string }>
  | GrantedMessage;

/** A MessagePortMain as seen from the utility process. */
export interface UtilityPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { readonly data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (event: { readonly data: unknown }) => void): unknown;
  start(): void;
  close(): void;
}

/** `process.parentPort` in an Electron utility process. */
export interface UtilityParentPort {
  on(event: 'message', listener: (event: { readonly data: unknown; readonly ports: readonly unknown[] }) => void): unknown;
  postMessage(message: CoreToShell): void;
}

/** Core events the shell must hear about. `call.state` carries `{ active: boolean }`. */
const CALL_ACTIVITY_EVENT = 'call.activity';
const CallActivityPayloadSchema = z.object({ active: z.boolean(), ringing: z.boolean() });
const NotifyPayloadSchema = z.object({
  conversationId: z.string(),
  title: z.string(),
  body: z.string(),
  call: z.object({ callId: z.string(), notice: z.enum(['incoming-call', 'missed-call']), media: z.enum(['audio', 'video']) }).optional(),
});
const LockStatePayloadSchema = z.object({ locked: z.boolean() });

export interface UtilityHostDeps {
  createCore(options: CoreOptions): Core;
  /** Ends the process once the core has closed (process.exit in production). */
  exit(code: number): void;
  log(message: string): void;
}

/** Serves the shell's messages on `parent` until shutdown. */
export function runUtilityHost(parent: UtilityParentPort, deps: UtilityHostDeps): void {
  let core: Core | undefined;
  parent.on('message', (event) => {
    const parsed = ShellToCoreSchema.safeParse(event.data);
    if (!parsed.success) {
      if (isStartMessage(event.data) && !core) {
        // Without valid options the core can never run: say so and exit, so the shell's
        // restart bound ends in a clear error instead of a window whose requests time out.
        parent.postMessage({ kind: 'fatal', message: `The core was started with invalid options: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
        deps.exit(1);
        return;
      }
      deps.log('dropped a malformed message from the shell');
      return;
    }
    const message = parsed.data;
    switch (message.kind) {
      case 'start': {
        if (core) return;
        if (message.options.testSeams !== undefined) {
          // Test seams weaken what they test on purpose; the app itself never runs with one.
          parent.postMessage({ kind: 'fatal', message: 'The core was started with test seams, which only the test hosts may use.' });
          deps.exit(1);
          return;
        }
        const onLocked = exitWhenLocked({
          close: () => core?.close() ?? Promise.resolve(),
          announce: async () => parent.postMessage({ kind: 'locked' }),
          exit: (code) => deps.exit(code),
        });
        try {
          core = deps.createCore({ ...message.options, onLocked });
        } catch (error) {
          parent.postMessage({ kind: 'fatal', message: error instanceof Error ? error.message : 'core failed to start' });
          deps.exit(1);
          return;
        }
        core.events.subscribe((name, payload) => {
          if (name === 'notify') {
            const notification = NotifyPayloadSchema.safeParse(payload);
            if (notification.success) parent.postMessage({ kind: 'notify', ...notification.data });
            return;
          }
          if (name === 'appLock.state') {
            const lockState = LockStatePayloadSchema.safeParse(payload);
            if (lockState.success) parent.postMessage({ kind: 'app-lock', locked: lockState.data.locked });
            return;
          }
          const eventName: string = name;
          if (eventName !== CALL_ACTIVITY_EVENT) return;
          const activity = CallActivityPayloadSchema.safeParse(payload);
          if (activity.success) parent.postMessage({ kind: 'call-state', active: activity.data.active, ringing: activity.data.ringing });
        });
        parent.postMessage({ kind: 'ready' });
        return;
      }
      case 'attach': {
        const port = event.ports[0];
        if (!core || !isUtilityPort(port)) {
          deps.log('attach without a started core or without a port');
          if (isUtilityPort(port)) port.close();
          return;
        }
        const detach = core.attach(asPortLike(port));
        port.on('close', detach);
        port.start();
        return;
      }
      case 'grant': {
        parent.postMessage(recordGrant(core, message));
        return;
      }
      case 'system-locked': {
        core?.systemLocked().catch(() => deps.log('locking on a system lock failed'));
        return;
      }
      case 'shutdown': {
        const closing = core?.close() ?? Promise.resolve();
        void closing.finally(() => deps.exit(0));
        return;
      }
    }
  });
}

function asPortLike(port: UtilityPort): PortLike<unknown, WireFromCore> {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage: (listener) => {
      const handler = (event: { readonly data: unknown }): void => listener(event.data);
      port.on('message', handler);
      return () => {
        port.off('message', handler);
      };
    },
  };
}

function isStartMessage(data: unknown): boolean {
  return typeof data === 'object' && data !== null && Reflect.get(data, 'kind') === 'start';
}

/** Electron hands ports over as untyped objects; check the shape before using one. */
export function isUtilityPort(value: unknown): value is UtilityPort {
  return hasMethods(value, ['postMessage', 'on', 'off', 'start', 'close']);
}

export function isUtilityParentPort(value: unknown): value is UtilityParentPort {
  return hasMethods(value, ['postMessage', 'on']);
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return names.every((name) => typeof Reflect.get(value, name) === 'function');
}
