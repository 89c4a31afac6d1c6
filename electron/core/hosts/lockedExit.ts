/**
 * A core process that locked ends itself so that its parent starts a fresh one (security review,
 * item 5): the heap of a process that held the database key, the passcode and decrypted
 * messages keeps copies no JavaScript can erase (freed SQLite pages, V8 strings awaiting
 * collection, libsodium's WASM heap), and only the end of the process returns that memory to
 * the OS. Every host that runs the core as a process of its own uses this.
 */

/**
 * The exit code of a core that locked and asks to be replaced; the shell must not count it as
 * a crash. Kept equal to `CORE_LOCKED_EXIT_CODE` in electron/main/coreHostMessages.ts (a unit
 * test checks it), because the shell may not import the core.
 */
export const LOCKED_EXIT_CODE = 3;

export interface LockedExitSteps {
  /** Closes the core: detaches its ports, stops timers, closes what is still open. */
  close(): Promise<void>;
  /** Tells the parent that this process locked and must be replaced ("locked, restart me"). */
  announce(): Promise<void>;
  exit(code: number): void;
}

/**
 * Returns the `onLocked` callback for `createCore`. It waits one macrotask first, so that the
 * answer to the request that locked (already computed when the lock engaged, posted a few
 * microtasks later) leaves before the ports are detached; then it closes, announces and exits.
 */
export function exitWhenLocked(steps: LockedExitSteps): () => void {
  let started = false;
  return () => {
    if (started) return;
    started = true;
    setImmediate(() => {
      void steps
        .close()
        .catch(() => undefined)
        .then(() => steps.announce())
        .catch(() => undefined)
        .finally(() => steps.exit(LOCKED_EXIT_CODE));
    });
  };
}
