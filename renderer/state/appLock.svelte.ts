/**
 * The app lock as the UI sees it. While locked the UI shows only the lock screen; the account
 * and everything below it is dropped and loaded again after unlocking.
 */
import type { LockState } from '../../electron/core/ipc/contract';
import type { ErrorInfo, Result } from '../../protocol/result';
import { onEvent, request } from '../api';

const ACTIVITY_REPORT_MS = 10_000;

class AppLockState {
  state = $state<LockState | undefined>(undefined);
  busy = $state(false);
  error = $state<ErrorInfo | undefined>(undefined);
  private lastReport = 0;

  get locked(): boolean {
    return this.state?.locked === true;
  }

  async load(): Promise<void> {
    const result = await request('appLock.status', {});
    if (result.ok) this.state = result.value;
  }

  /** Follows lock changes made by the core itself (idle timeout, screen lock). */
  follow(): () => void {
    return onEvent('appLock.state', (state) => {
      this.state = state;
    });
  }

  /** Reports user activity to the core, at most every few seconds. */
  activity(): void {
    if (!this.state?.enabled || this.locked) return;
    const now = Date.now();
    if (now - this.lastReport < ACTIVITY_REPORT_MS) return;
    this.lastReport = now;
    void request('appLock.activity', {});
  }

  unlock(passcode: string): Promise<boolean> {
    return this.run(() => request('appLock.unlock', { passcode }));
  }
  enable(passcode: string): Promise<boolean> {
    return this.run(() => request('appLock.enable', { passcode }));
  }
  disable(passcode: string): Promise<boolean> {
    return this.run(() => request('appLock.disable', { passcode }));
  }
  change(current: string, next: string): Promise<boolean> {
    return this.run(() => request('appLock.change', { current, next }));
  }
  setAutoLock(seconds: number): Promise<boolean> {
    return this.run(() => request('appLock.setAutoLock', { seconds }));
  }
  /**
   * Locks now. The core answers and then ends its process, and a fresh one serves the lock
   * screen (docs/SECURITY.md, section 5); the screen follows the `appLock.state` event, so it
   * neither waits for this answer nor shows an error if the answer was lost with the old process.
   */
  async lockNow(): Promise<boolean> {
    this.error = undefined;
    const result = await request('appLock.lock', {});
    if (result.ok) this.state = result.value;
    else if (!this.locked) this.error = result.error;
    return result.ok || this.locked;
  }
  choosePasscode(passcode: string): Promise<boolean> {
    return this.run(() => request('appLock.choosePasscode', { passcode }));
  }
  forgetDevice(): Promise<boolean> {
    return this.run(() => request('appLock.forgetDevice', {}));
  }

  clearError(): void {
    this.error = undefined;
  }

  private async run(action: () => Promise<Result<LockState>>): Promise<boolean> {
    this.busy = true;
    this.error = undefined;
    try {
      const result = await action();
      if (result.ok) this.state = result.value;
      else this.error = result.error;
      return result.ok;
    } finally {
      this.busy = false;
    }
  }
}

export const appLock = new AppLockState();
