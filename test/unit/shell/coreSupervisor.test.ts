import { describe, expect, it } from 'vitest';
import type { CallActivity } from '../../../electron/main/callActivity';
import type { ShellToCore } from '../../../electron/main/coreHostMessages';
import { decideRestart } from '../../../electron/main/coreRestartPolicy';
import type { CoreChild, CoreLauncher } from '../../../electron/main/coreSupervisor';
import { createCoreSupervisor } from '../../../electron/main/coreSupervisor';

interface FakeChild extends CoreChild<string> {
  readonly sent: Array<{ message: ShellToCore; transfer?: string[] }>;
  emit(message: unknown): void;
  exit(code: number): void;
  killed: boolean;
}

function fakeLauncher(): CoreLauncher<string> & { children: FakeChild[] } {
  const children: FakeChild[] = [];
  let channels = 0;
  return {
    children,
    fork() {
      let onMessage: (message: unknown) => void = () => undefined;
      let onExit: (code: number) => void = () => undefined;
      const child: FakeChild = {
        sent: [],
        killed: false,
        postMessage: (message, transfer) => child.sent.push({ message, transfer }),
        onMessage: (listener) => {
          onMessage = listener;
        },
        onExit: (listener) => {
          onExit = listener;
        },
        kill: () => {
          child.killed = true;
        },
        emit: (message) => onMessage(message),
        exit: (code) => onExit(code),
      };
      children.push(child);
      return child;
    },
    createChannel() {
      channels += 1;
      return { core: `core-${channels}`, renderer: `renderer-${channels}` };
    },
  };
}

const startOptions = { dataDir: '/tmp/p', appVersion: '0.1.0', defaultServer: null, runtime: 'electron test' };

function setup() {
  const launcher = fakeLauncher();
  const log: string[] = [];
  const started: boolean[] = [];
  const callStates: CallActivity[] = [];
  const notifications: unknown[] = [];
  const gaveUp: string[] = [];
  const lockStates: boolean[] = [];
  const scheduled: Array<() => void> = [];
  let clock = 1_000_000;
  const supervisor = createCoreSupervisor(
    launcher,
    {
      onStarted: (restart) => started.push(restart),
      onCallState: (activity) => callStates.push(activity),
      onNotify: (notification) => notifications.push(notification),
      onGaveUp: (detail) => gaveUp.push(detail),
      onLockChanged: (locked) => lockStates.push(locked),
      log: (message) => log.push(message),
    },
    { startOptions, now: () => clock, schedule: (run) => scheduled.push(run) },
  );
  const runScheduled = (): void => {
    for (const run of scheduled.splice(0)) run();
  };
  const advance = (ms: number): void => {
    clock += ms;
  };
  return { launcher, supervisor, log, started, callStates, notifications, gaveUp, lockStates, runScheduled, advance };
}

describe('core supervisor', () => {
  it('starts the core with its options and hands each renderer its own port', () => {
    const { launcher, supervisor, started } = setup();
    supervisor.start();
    const child = launcher.children[0];
    expect(child?.sent[0]?.message).toEqual({ kind: 'start', options: startOptions });
    expect(supervisor.openChannel()).toBe('renderer-1');
    expect(child?.sent[1]).toEqual({ message: { kind: 'attach' }, transfer: ['core-1'] });
    expect(supervisor.openChannel()).toBe('renderer-2');
    expect(started).toEqual([false]);
  });

  it('follows the call state the core reports and ignores malformed messages', () => {
    const { launcher, supervisor, callStates, log } = setup();
    supervisor.start();
    launcher.children[0]?.emit({ kind: 'call-state', active: true, ringing: true });
    launcher.children[0]?.emit({ kind: 'call-state', active: true, ringing: false });
    launcher.children[0]?.emit({ kind: 'call-state', active: 'yes' });
    launcher.children[0]?.emit('garbage');
    expect(callStates).toEqual([
      { active: true, ringing: true },
      { active: true, ringing: false },
    ]);
    expect(log).toHaveLength(2);
  });

  it('passes message notifications from the core to the shell, and drops oversized ones', () => {
    const { launcher, supervisor, notifications, log } = setup();
    supervisor.start();
    launcher.children[0]?.emit({ kind: 'notify', conversationId: 'c1', title: 'Bob in Crew', body: 'hello' });
    launcher.children[0]?.emit({ kind: 'notify', conversationId: 'c1', title: 'x'.repeat(300), body: 'too long' });
    expect(notifications).toEqual([{ conversationId: 'c1', title: 'Bob in Crew', body: 'hello' }]);
    expect(log).toHaveLength(1);
  });

  it('hands a file grant to the core and resolves once the core recorded it; no core, no grant', async () => {
    const { launcher, supervisor, runScheduled } = setup();
    expect(await supervisor.grant('g1', 'read', '/home/ada/a.png')).toBe(false);
    supervisor.start();
    const child = launcher.children[0];
    const recorded = supervisor.grant('g1', 'read', '/home/ada/a.png');
    expect(child?.sent.at(-1)?.message).toEqual({ kind: 'grant', id: 'g1', access: 'read', path: '/home/ada/a.png' });
    child?.emit({ kind: 'granted', id: 'g1', ok: true });
    expect(await recorded).toBe(true);

    const refused = supervisor.grant('g2', 'write', 'x');
    child?.emit({ kind: 'granted', id: 'g2', ok: false });
    expect(await refused).toBe(false);

    // A core that never answers, or exits first, grants nothing.
    const unanswered = supervisor.grant('g3', 'read', '/home/ada/b.png');
    runScheduled();
    expect(await unanswered).toBe(false);
    const lost = supervisor.grant('g4', 'read', '/home/ada/c.png');
    child?.exit(1);
    expect(await lost).toBe(false);
  });

  it('restarts a crashed core, ends the call and reconnects the renderer', () => {
    const { launcher, supervisor, started, callStates, runScheduled } = setup();
    supervisor.start();
    launcher.children[0]?.emit({ kind: 'call-state', active: true, ringing: true });
    launcher.children[0]?.exit(134);
    expect(callStates).toEqual([
      { active: true, ringing: true },
      { active: false, ringing: false },
    ]);
    expect(supervisor.openChannel()).toBeUndefined();
    runScheduled();
    expect(launcher.children).toHaveLength(2);
    expect(started).toEqual([false, true]);
    expect(supervisor.openChannel()).toBe('renderer-1');
  });

  it('gives up after repeated crashes and tells the user why', () => {
    const { launcher, supervisor, gaveUp, runScheduled } = setup();
    supervisor.start();
    launcher.children[0]?.emit({ kind: 'fatal', message: 'database is corrupt' });
    for (let i = 0; i < 3; i++) {
      launcher.children[i]?.exit(1);
      runScheduled();
    }
    expect(launcher.children).toHaveLength(4);
    launcher.children[3]?.exit(1);
    runScheduled();
    expect(launcher.children).toHaveLength(4);
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toContain('4 times');
    expect(gaveUp[0]).toContain('database is corrupt');
    expect(supervisor.openChannel()).toBeUndefined();
  });

  it('forgets crashes that are long past', () => {
    const { launcher, supervisor, gaveUp, runScheduled, advance } = setup();
    supervisor.start();
    for (let i = 0; i < 6; i++) {
      launcher.children[i]?.exit(1);
      runScheduled();
      advance(30_000);
    }
    expect(gaveUp).toEqual([]);
    expect(launcher.children).toHaveLength(7);
  });

  it('passes a system lock to the running core, and to no core once stopped', () => {
    const { launcher, supervisor } = setup();
    supervisor.start();
    supervisor.systemLocked();
    const child = launcher.children[0];
    expect(child?.sent.at(-1)?.message).toEqual({ kind: 'system-locked' });
    supervisor.stop();
    const sent = child?.sent.length;
    supervisor.systemLocked();
    expect(child?.sent.length).toBe(sent);
  });

  it('replaces a core that locked with a fresh one at once, without counting it as a crash', () => {
    const { launcher, supervisor, started, gaveUp, lockStates, runScheduled } = setup();
    supervisor.start();
    // Far more lock cycles than the crash bound allows, all within one minute.
    for (let i = 0; i < 6; i++) {
      const child = launcher.children[i];
      child?.emit({ kind: 'app-lock', locked: false });
      child?.emit({ kind: 'locked' });
      child?.exit(3);
      expect(launcher.children).toHaveLength(i + 2);
      expect(launcher.children[i + 1]?.sent[0]?.message).toEqual({ kind: 'start', options: startOptions });
    }
    expect(gaveUp).toEqual([]);
    expect(started).toEqual([false, true, true, true, true, true, true]);
    expect(lockStates.slice(0, 3)).toEqual([false, true, true]);
    // The renderer gets a port to the fresh core.
    expect(supervisor.openChannel()).toBe('renderer-1');
    // A core that announced the lock and then hangs is killed; its exit still brings a fresh one.
    const last = launcher.children.at(-1);
    last?.emit({ kind: 'locked' });
    runScheduled();
    expect(last?.killed).toBe(true);
    last?.exit(-1);
    expect(launcher.children).toHaveLength(8);
  });

  it('takes the locked exit code alone as a replacement too (the announcement may be lost in the exit)', () => {
    const { launcher, supervisor, gaveUp, started } = setup();
    supervisor.start();
    for (let i = 0; i < 5; i++) launcher.children[i]?.exit(3);
    expect(launcher.children).toHaveLength(6);
    expect(started.at(-1)).toBe(true);
    expect(gaveUp).toEqual([]);
  });

  it('does not restart a core it stopped on purpose, and kills it if it hangs', () => {
    const { launcher, supervisor, runScheduled } = setup();
    supervisor.start();
    supervisor.stop();
    const child = launcher.children[0];
    expect(child?.sent.at(-1)?.message).toEqual({ kind: 'shutdown' });
    child?.exit(0);
    runScheduled();
    expect(child?.killed).toBe(true);
    expect(launcher.children).toHaveLength(1);
  });
});

describe('restart policy', () => {
  it('backs off between restarts and gives up after three in a minute', () => {
    expect(decideRestart([], 0)).toEqual({ action: 'restart', delayMs: 250, attempt: 1 });
    expect(decideRestart([0], 10)).toEqual({ action: 'restart', delayMs: 1_000, attempt: 2 });
    expect(decideRestart([0, 10], 20)).toEqual({ action: 'restart', delayMs: 3_000, attempt: 3 });
    expect(decideRestart([0, 10, 20], 30)).toEqual({ action: 'give-up', crashes: 4 });
    expect(decideRestart([0, 10, 20], 60_020)).toEqual({ action: 'restart', delayMs: 250, attempt: 1 });
  });
});
