/**
 * The test host's (and dev host's) stand-in for the shell's core supervisor: runs the core bundle
 * of electron/core/hosts/nodeProcess.ts as a child process and, when that core locks and exits
 * ("locked, restart me"), starts a fresh one at once, as coreSupervisor.ts does in Electron.
 * The fresh core gets the same options without the passphrase, so it opens locked and never
 * holds the database key until the user unlocks it. Requests go to whichever core serves now;
 * answers and events from any of them reach `onMessage`. The page's messages travel wrapped as
 * `{kind:'page'}` and file grants as `{kind:'grant'}` (nodeProcess.ts), so the page cannot forge
 * a grant.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCKED_EXIT_CODE } from '../../electron/core/hosts/lockedExit';
import type { CoreHostOptions } from '../../electron/core/hosts/options';
import { bundleNodeEntry } from '../support/nodeBundle';
import type { GrantAccess } from '../../electron/core/services/fileGrants';

export interface HostedCore {
  /** Passes a message from the page to the core serving now. */
  send(message: unknown): void;
  /** Tells the core serving now that `id` stands for `file` (the shell's file grant); false if refused or replaced. */
  grant(id: string, access: GrantAccess, file: string): Promise<boolean>;
  /** The process serving the core now; it changes each time a lock replaces it. */
  pid(): number;
  /** Resolves once the core serving now listens for requests (earlier ones wait in a queue). */
  ready(): Promise<void>;
  /** Resolves when the core serving now has been replaced after a lock, with the new pid. */
  nextReplacement(): Promise<number>;
  close(): Promise<void>;
}

export function hostCoreProcess(entry: string, options: CoreHostOptions, onMessage: (message: unknown) => void): HostedCore {
  let closed = false;
  let waiting: Array<(pid: number) => void> = [];
  const fresh: CoreHostOptions = options.store?.passphrase === undefined ? options : { ...options, store: withoutPassphrase(options.store) };

  /** Grants waiting for the core's answer; a core that is replaced answers none of them. */
  const pendingGrants = new Map<string, (ok: boolean) => void>();
  const settleGrants = (): void => {
    for (const settle of pendingGrants.values()) settle(false);
    pendingGrants.clear();
  };

  /** What was sent before the serving child listened (it drops what arrives earlier). */
  let queue: unknown[] = [];
  let listening = false;
  let whenListening: Array<() => void> = [];

  const launch = (startOptions: CoreHostOptions): ChildProcess => {
    const child = fork(entry, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    listening = false;
    queue = [{ kind: 'start', options: startOptions }];
    let replaced = false;
    const replace = (): void => {
      if (replaced || closed || current !== child) return;
      replaced = true;
      settleGrants();
      current = launch(fresh);
      const pid = current.pid ?? -1;
      for (const resolve of waiting.splice(0)) resolve(pid);
    };
    child.on('message', (message: unknown) => {
      if (hasKind(message, 'listening')) {
        if (current !== child) return;
        listening = true;
        for (const queued of queue.splice(0)) child.send(queued as object);
        for (const resolve of whenListening.splice(0)) resolve();
      } else if (hasKind(message, 'locked')) replace();
      else if (hasKind(message, 'granted')) {
        const id: unknown = Reflect.get(message as object, 'id');
        const settle = typeof id === 'string' ? pendingGrants.get(id) : undefined;
        if (settle && typeof id === 'string') {
          pendingGrants.delete(id);
          settle(Reflect.get(message as object, 'ok') === true);
        }
      } else onMessage(message);
    });
    child.on('exit', (code) => {
      if (code === LOCKED_EXIT_CODE) replace();
    });
    return child;
  };

  const deliver = (message: object): void => {
    if (!listening) queue.push(message);
    else if (current.connected) current.send(message);
  };

  let current = launch(options);
  return {
    send(message) {
      deliver({ kind: 'page', message });
    },
    grant(id, access, file) {
      if (closed || pendingGrants.has(id)) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        pendingGrants.set(id, resolve);
        deliver({ kind: 'grant', id, access, path: file });
      });
    },
    pid: () => current.pid ?? -1,
    ready: () => (listening ? Promise.resolve() : new Promise((resolve) => whenListening.push(resolve))),
    nextReplacement: () => new Promise((resolve) => waiting.push(resolve)),
    async close() {
      if (closed) return;
      closed = true;
      settleGrants();
      waiting = [];
      whenListening = [];
      const child = current;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Disconnecting makes the core close its database and exit; one that hangs is killed.
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function withoutPassphrase(store: NonNullable<CoreHostOptions['store']>): NonNullable<CoreHostOptions['store']> {
  const { passphrase: _dropped, ...rest } = store;
  return rest;
}

function hasKind(message: unknown, kind: string): boolean {
  return typeof message === 'object' && message !== null && Reflect.get(message, 'kind') === kind;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundles the core's child-process entry the way the shell bundles its utility-process entry,
 * into test-output/ so that npm packages resolve from the repository's node_modules.
 */
export async function bundleCoreProcess(): Promise<string> {
  return bundleNodeEntry('electron/core/hosts/nodeProcess.ts', path.join(REPO_ROOT, 'test-output', 'host', 'core-process.mjs'));
}
