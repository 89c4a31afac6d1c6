/**
 * Keeps the core process alive for the shell: starts it, opens one MessagePort channel per
 * renderer connection, restarts it after a crash within the bounds of `decideRestart`, and
 * reports when it gives up. A core that locked ends itself (its memory may still hold secrets,
 * docs/SECURITY.md section 5): that exit is replaced at once by a fresh core, which starts
 * locked, and does not count as a crash. Electron is injected through `CoreLauncher`, so this logic is
 * unit-tested with fakes; coreProcess.ts supplies the real utilityProcess.
 */
import { missingCase } from '../../protocol/result';
import type { RestartPolicy } from './coreRestartPolicy';
import { DEFAULT_RESTART_POLICY, decideRestart } from './coreRestartPolicy';
import type { CallNoticeMarker } from './callNotices';
import type { CallActivity } from './callActivity';
import { NO_CALL } from './callActivity';
import type { CoreStartOptions, CoreToShell, ShellToCore } from './coreHostMessages';
import { CORE_LOCKED_EXIT_CODE, CoreToShellSchema } from './coreHostMessages';

/** How long a core that announced it locked may take to exit before it is killed. */
const LOCKED_EXIT_GRACE_MS = 2_000;

export interface CoreChild<Port> {
  postMessage(message: ShellToCore, transfer?: Port[]): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

export interface CoreLauncher<Port> {
  fork(): CoreChild<Port>;
  /** A linked pair: `core` goes to the core process, `renderer` to the page. */
  createChannel(): { core: Port; renderer: Port };
}

export interface SupervisorEvents {
  /** The core (re)started; the caller should connect the renderer again. */
  onStarted(restart: boolean): void;
  /**
   * The core's `call.activity`: `active` while a call is prepared, rings or runs here (camera and
   * microphone may be granted only then), `ringing` while one rings here (taskbar attention).
   * A core that exits ends both.
   */
  onCallState(activity: CallActivity): void;
  /** A message arrived for the user: show a desktop notification (the shell decides when). */
  onNotify(notification: Readonly<{ conversationId: string; title: string; body: string; call?: CallNoticeMarker }>): void;
  /** The app lock engaged or was lifted: no notifications while locked. */
  onLockChanged(locked: boolean): void;
  /** Too many crashes: the caller tells the user; the supervisor will not retry. */
  onGaveUp(detail: string): void;
  log(message: string): void;
}

export interface SupervisorOptions {
  readonly startOptions: CoreStartOptions;
  readonly policy?: RestartPolicy;
  readonly now?: () => number;
  readonly schedule?: (run: () => void, delayMs: number) => void;
}

export interface CoreSupervisor<Port> {
  start(): void;
  /** Opens a channel to the running core and returns the renderer's end, or undefined. */
  openChannel(): Port | undefined;
  stop(): void;
  /** Tells the core the screen locked or the computer is suspending (it locks the app if enabled). */
  systemLocked(): void;
  /**
   * Tells the core that grant `id` stands for `path` (a file the user chose); resolves true once
   * the core recorded it, false if it refused, is not running, or did not answer in time.
   */
  grant(id: string, access: 'read' | 'write', path: string): Promise<boolean>;
}

/** How long the shell waits for the core to record a grant before telling the page "no". */
export const GRANT_ANSWER_MS = 5_000;

export function createCoreSupervisor<Port>(
  launcher: CoreLauncher<Port>,
  events: SupervisorEvents,
  options: SupervisorOptions,
): CoreSupervisor<Port> {
  const now = options.now ?? Date.now;
  const schedule = options.schedule ?? ((run, delayMs) => void setTimeout(run, delayMs));
  const restarts: number[] = [];
  let child: CoreChild<Port> | undefined;
  let state: 'idle' | 'running' | 'restarting' | 'failed' | 'stopped' = 'idle';
  let lastFatal = '';
  /** The running core said it locked: its exit is a replacement. */
  let lockedOut = false;
  const pendingGrants = new Map<string, (ok: boolean) => void>();
  const settleGrant = (id: string, ok: boolean): void => {
    const settle = pendingGrants.get(id);
    pendingGrants.delete(id);
    settle?.(ok);
  };

  const launch = (restart: boolean): void => {
    const current = launcher.fork();
    child = current;
    state = 'running';
    lockedOut = false;
    current.onMessage((raw) => {
      if (child !== current) return;
      const parsed = CoreToShellSchema.safeParse(raw);
      if (!parsed.success) {
        events.log('dropped a malformed message from the core process');
        return;
      }
      handle(parsed.data, current);
    });
    current.onExit((code) => {
      if (child !== current || state !== 'running') return;
      child = undefined;
      events.onCallState(NO_CALL);
      // Grants live in the core's memory: an exited core has none, so no page waits for one.
      for (const id of [...pendingGrants.keys()]) settleGrant(id, false);
      if (lockedOut || code === CORE_LOCKED_EXIT_CODE) {
        events.onLockChanged(true);
        events.log('core locked and exited; starting a fresh one');
        launch(true);
        return;
      }
      const decision = decideRestart(restarts, now(), options.policy ?? DEFAULT_RESTART_POLICY);
      if (decision.action === 'give-up') {
        state = 'failed';
        events.onGaveUp(`The core stopped ${decision.crashes} times (last exit code ${code}). ${lastFatal}`.trim());
        return;
      }
      state = 'restarting';
      restarts.push(now());
      events.log(`core exited with code ${code}; restart ${decision.attempt} in ${decision.delayMs} ms`);
      schedule(() => {
        if (state === 'restarting') launch(true);
      }, decision.delayMs);
    });
    current.postMessage({ kind: 'start', options: options.startOptions });
    events.onStarted(restart);
  };

  const handle = (message: CoreToShell, from: CoreChild<Port>): void => {
    switch (message.kind) {
      case 'ready':
        return;
      case 'call-state':
        events.onCallState({ active: message.active, ringing: message.ringing });
        return;
      case 'notify':
        events.onNotify({ conversationId: message.conversationId, title: message.title, body: message.body, ...(message.call ? { call: message.call } : {}) });
        return;
      case 'app-lock':
        events.onLockChanged(message.locked);
        return;
      case 'locked':
        lockedOut = true;
        events.onLockChanged(true);
        // It closes and exits on its own; one that hangs is ended, and its exit still replaces it.
        schedule(() => from.kill(), LOCKED_EXIT_GRACE_MS);
        return;
      case 'fatal':
        lastFatal = message.message;
        return;
      case 'granted':
        settleGrant(message.id, message.ok);
        return;
      default:
        missingCase(message);
    }
  };

  return {
    start() {
      if (state === 'idle') launch(false);
    },
    openChannel() {
      if (state !== 'running' || !child) return undefined;
      const { core, renderer } = launcher.createChannel();
      child.postMessage({ kind: 'attach' }, [core]);
      return renderer;
    },
    systemLocked() {
      if (state === 'running') child?.postMessage({ kind: 'system-locked' });
    },
    grant(id, access, path) {
      if (state !== 'running' || !child || pendingGrants.has(id)) return Promise.resolve(false);
      const current = child;
      return new Promise<boolean>((resolve) => {
        pendingGrants.set(id, resolve);
        schedule(() => settleGrant(id, false), GRANT_ANSWER_MS);
        current.postMessage({ kind: 'grant', id, access, path });
      });
    },
    stop() {
      const current = child;
      state = 'stopped';
      child = undefined;
      if (!current) return;
      current.postMessage({ kind: 'shutdown' });
      // The core closes its database on shutdown; if it hangs, the process goes anyway.
      schedule(() => current.kill(), 2_000);
    },
  };
}
