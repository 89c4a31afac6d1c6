/**
 * The app lock (seed 002, "App Lock"), made cryptographic: while it is on, the database key
 * is kept only wrapped under a passcode-derived key (Argon2id, about 0.4 s here — see
 * vault/kdfParams.ts) and not in the keychain. Locking closes the database, so SQLite drops its
 * copy of the key, and forgets the passcode and every signed-in session held in memory; nothing
 * can be read again until the passcode is entered.
 *
 * It locks after a period without user activity (default 60 s, seed 002), when the shell reports
 * that the screen locked or the computer went to sleep, and when the user asks. Wrong
 * passcodes slow down exponentially, and the count survives a restart.
 *
 * The server's administrator may enforce it (`GET /feature-configs`, Wire's team setting
 * `enforceAppLock`): then the lock cannot be turned off, an auto-lock time longer than the
 * policy's (or "never") is refused, and a time chosen earlier that is longer counts as the
 * policy's, so the user's choice returns if the policy is lifted. While the lock is off under an
 * enforcing policy, the state says so and the UI asks for a passcode. Without enforcement the
 * policy's timeout is the default for a user who never chose one.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AppLockPolicy } from '../../../protocol/api/featureConfigs';
import { DEFAULT_FEATURE_CONFIGS } from '../../../protocol/api/featureConfigs';
import type { LockState } from '../ipc/contract';
import { CoreError, IPC_ERRORS } from '../ipc/errors';
import type { Logger } from '../log';
import { moveProfileKey } from '../store/moveProfileKey';
import { PROFILE_FILES } from '../store/profileFiles';
import { readRecord } from '../store/openProfileStore';
import { rekeyProfile } from '../store/rekeyProfile';
import { readKv, writeKv } from '../store/kv';
import { wipeProfileStore } from '../store/wipeProfileStore';
import { writeFileAtomic } from '../vault/atomicFile';
import type { KdfParams } from '../vault/kdfParams';
import { PassphraseVault } from '../vault/passphraseVault';
import type { ProfileHandle } from './profileHandle';
import { storedFeatureConfigs } from './serverPolicy';

const FREE_ATTEMPTS = 3;
const MAX_WAIT_MS = 15 * 60_000;
const ATTEMPTS_FILE = PROFILE_FILES.lockAttempts;

const AttemptsSchema = z.object({ failed: z.number().int().nonnegative(), lastFailureAt: z.number() });
type Attempts = z.infer<typeof AttemptsSchema>;

/** Wait before the next try after `failed` wrong passcodes: none for the first 3, then 1 s, 2 s, 4 s … up to 15 min. */
export function unlockDelayMs(failed: number): number {
  return failed < FREE_ATTEMPTS ? 0 : Math.min(MAX_WAIT_MS, 1000 * 2 ** (failed - FREE_ATTEMPTS));
}

/**
 * The auto-lock time in force: the user's choice (or the policy's timeout when they never chose),
 * and under an enforcing policy never longer than its timeout; 0 ("only when I lock it") counts
 * as longer than any.
 */
export function effectiveAutoLockSeconds(chosen: number | undefined, policy: AppLockPolicy): number {
  const seconds = chosen ?? policy.inactivityTimeoutSecs;
  if (!policy.enforced) return seconds;
  return seconds === 0 ? policy.inactivityTimeoutSecs : Math.min(seconds, policy.inactivityTimeoutSecs);
}

/** "1 minute", "90 seconds", "2 hours": a duration for sentences the user reads. */
export function durationWords(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/** Same rule as account passwords (seed 002): 8+ characters with lower, upper, digit and symbol. */
export function isStrongPasscode(passcode: string): boolean {
  return (
    [...passcode].length >= 8 &&
    /\p{Ll}/u.test(passcode) &&
    /\p{Lu}/u.test(passcode) &&
    /\p{Nd}/u.test(passcode) &&
    /[^\p{L}\p{Nd}]/u.test(passcode)
  );
}

export interface AppLockOptions {
  readonly profile: ProfileHandle;
  readonly log: Logger;
  /** Closes every service that holds decrypted state or sessions (called before the DB closes). */
  readonly beforeLock: () => Promise<void>;
  readonly onState: (state: LockState) => void;
  /**
   * The lock engaged in this process (database closed, stream stopped). Memory this process used
   * may still hold the database key, the passcode and message text, so a host that can replaces
   * the process with a fresh one that starts locked (see CoreOptions.onLocked).
   */
  readonly onLocked?: () => void;
  readonly kdf?: KdfParams;
  readonly now?: () => number;
  /**
   * Combines the server's policy with the machine's (protocol/machinePolicy.ts, the stricter
   * wins) wherever a server policy is taken in; the machine's applies before any server answered.
   */
  readonly combinePolicy?: (server: AppLockPolicy) => AppLockPolicy;
}

export class AppLock {
  private enabled = false;
  private locked = false;
  /** What the user chose in settings, in seconds (0: only by hand); undefined if they never chose. */
  private chosenAutoLockSeconds: number | undefined;
  private policy: AppLockPolicy;
  private attempts: Attempts = { failed: 0, lastFailureAt: 0 };
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** A call or group call is prepared, rings or runs on this device (`call.activity`). */
  private inCall = false;
  private readonly now: () => number;

  private readonly combinePolicy: (server: AppLockPolicy) => AppLockPolicy;

  constructor(private readonly options: AppLockOptions) {
    this.now = options.now ?? Date.now;
    this.combinePolicy = options.combinePolicy ?? ((server) => server);
    this.policy = this.combinePolicy(DEFAULT_FEATURE_CONFIGS.appLock);
  }

  /**
   * Reads whether the profile's key sits behind a passcode. If it does and no passcode was
   * supplied at start (the CLI may give one), the app starts locked.
   */
  async init(): Promise<void> {
    this.enabled = await this.recordSaysPassphrase();
    this.locked = this.enabled && this.options.profile.storeOptions.passphrase === undefined;
    this.attempts = await this.readAttempts();
    if (this.locked) await this.options.profile.lock();
    else if (this.enabled) await this.loadAutoLock();
    this.armIdleTimer();
  }

  /**
   * A profile whose key is wrapped by a passphrase is locked by it, whether the user turned
   * the lock on or the computer had no keychain when the profile was made (then the
   * passphrase chosen at sign-in is the passcode). Read again whenever it may have changed.
   */
  async refreshEnabled(): Promise<void> {
    if (this.locked) return;
    const enabled = await this.recordSaysPassphrase();
    if (enabled && !this.enabled) {
      this.enabled = true;
      await this.loadAutoLock();
      this.armIdleTimer();
      return;
    }
    this.enabled = enabled;
  }

  private async recordSaysPassphrase(): Promise<boolean> {
    const record = await readRecord(join(this.options.profile.profileDir, PROFILE_FILES.vaultRecord));
    return record.ok && record.value?.vault === 'passphrase';
  }

  state(): LockState {
    return {
      enabled: this.enabled,
      locked: this.locked,
      autoLockSeconds: effectiveAutoLockSeconds(this.chosenAutoLockSeconds, this.policy),
      retryAfterMs: this.retryAfterMs(),
      enforced: this.policy.enforced,
      maxAutoLockSeconds: this.policy.enforced ? this.policy.inactivityTimeoutSecs : null,
    };
  }

  /**
   * The server's policy arrived (the stored copy when the account loads, the server's answer
   * after each reconnect). A shorter timeout applies at once: the idle countdown starts again.
   */
  applyPolicy(serverPolicy: AppLockPolicy): void {
    const policy = this.combinePolicy(serverPolicy);
    if (policy.enforced === this.policy.enforced && policy.inactivityTimeoutSecs === this.policy.inactivityTimeoutSecs) return;
    this.policy = { enforced: policy.enforced, inactivityTimeoutSecs: policy.inactivityTimeoutSecs };
    this.options.log.info('server policy for the app lock', this.policy);
    this.armIdleTimer();
    this.changed();
  }

  async enable(passcode: string): Promise<LockState> {
    this.requireUnlocked();
    await this.refreshEnabled();
    if (this.enabled) throw new CoreError('app-lock-enabled');
    if (!isStrongPasscode(passcode)) throw new CoreError('app-lock-weak-passcode');
    await this.options.profile.store();
    const moved = await moveProfileKey(this.options.profile.profileDir, this.options.profile.storeOptions, {
      kind: 'passphrase',
      passphrase: passcode,
      ...(this.options.kdf ? { kdf: this.options.kdf } : {}),
    });
    if (!moved.ok) throw CoreError.from(moved.error);
    this.enabled = true;
    // A key that sat in the keychain (or was seen in memory) so far must not open the database
    // once the lock is on: a fresh key, wrapped under the passcode.
    await this.rekey(passcode);
    await this.loadAutoLock();
    return this.changed();
  }

  /**
   * For a computer without a keychain: the passcode that will wrap the key of the profile about
   * to be created. Refused once a profile exists (then `enable` or `changePasscode` apply).
   */
  async choosePasscode(passcode: string): Promise<LockState> {
    this.requireUnlocked();
    if (!isStrongPasscode(passcode)) throw new CoreError('app-lock-weak-passcode');
    const record = await readRecord(join(this.options.profile.profileDir, PROFILE_FILES.vaultRecord));
    if (!record.ok || record.value !== undefined) throw new CoreError('app-lock-enabled', 'This profile already has its key protected.');
    this.options.profile.setPassphrase(passcode);
    return this.changed();
  }

  async disable(passcode: string): Promise<LockState> {
    this.requireUnlocked();
    if (!this.enabled) throw new CoreError('app-lock-disabled');
    if (this.policy.enforced) throw new CoreError('app-lock-enforced');
    await this.checkPasscode(passcode);
    const moved = await moveProfileKey(
      this.options.profile.profileDir,
      { ...this.options.profile.storeOptions, passphrase: passcode },
      { kind: 'keychain', ...(this.options.profile.storeOptions.keychain ?? {}) },
    );
    if (!moved.ok) {
      throw moved.error.code === 'vault-unavailable' ? new CoreError('app-lock-no-keychain') : CoreError.from(moved.error);
    }
    this.options.profile.setPassphrase(undefined);
    this.enabled = false;
    return this.changed();
  }

  async changePasscode(current: string, next: string): Promise<LockState> {
    this.requireUnlocked();
    if (!this.enabled) throw new CoreError('app-lock-disabled');
    if (!isStrongPasscode(next)) throw new CoreError('app-lock-weak-passcode');
    await this.checkPasscode(current);
    // A new passcode wraps a new key: whoever learnt the old passcode or key learnt nothing.
    await this.rekey(next);
    return this.changed();
  }

  /** Refused (`app-lock-timeout-too-long`) when an enforcing policy allows less; nothing is stored then. */
  async setAutoLock(seconds: number): Promise<LockState> {
    this.requireUnlocked();
    const max = this.policy.enforced ? this.policy.inactivityTimeoutSecs : undefined;
    if (max !== undefined && (seconds === 0 || seconds > max)) {
      throw new CoreError(
        'app-lock-timeout-too-long',
        `Your organisation requires Cairn to lock after at most ${durationWords(max)} without use. Choose that or a shorter time.`,
      );
    }
    const { db } = await this.options.profile.store();
    writeKv(db, 'settings', 'autoLockSeconds', seconds);
    this.chosenAutoLockSeconds = seconds;
    this.armIdleTimer();
    return this.changed();
  }

  /** Locks now. Without an enabled lock there is nothing to lock with, which is an error. */
  async lock(): Promise<LockState> {
    if (!this.enabled) throw new CoreError('app-lock-disabled');
    if (this.locked) return this.state();
    this.locked = true;
    clearTimeout(this.idleTimer);
    try {
      await this.options.beforeLock();
    } finally {
      await this.options.profile.lock();
    }
    this.options.log.info('locked');
    const state = this.changed();
    this.options.onLocked?.();
    return state;
  }

  async unlock(passcode: string): Promise<LockState> {
    if (!this.locked) return this.state();
    const wait = this.retryAfterMs();
    if (wait > 0) throw new CoreError('app-lock-wait', `${IPC_ERRORS['app-lock-wait']} (${Math.ceil(wait / 1000)} s)`);
    try {
      await this.options.profile.unlock(passcode);
    } catch (error) {
      if (error instanceof CoreError && error.code === 'vault-wrong-passphrase') {
        await this.recordFailure();
        throw new CoreError('app-lock-wrong-passcode', this.wrongPasscodeSentence());
      }
      throw error;
    }
    this.locked = false;
    await this.writeAttempts({ failed: 0, lastFailureAt: 0 });
    await this.loadAutoLock();
    this.armIdleTimer();
    return this.changed();
  }

  /**
   * The way out of a forgotten passcode: this device's local data is erased (the key first, so
   * nothing can be recovered) and the app starts over signed out. The server still lists the
   * device until the user removes it from another device; its session cookie was inside the
   * erased database, so it can no longer be used.
   */
  async forgetDevice(): Promise<LockState> {
    clearTimeout(this.idleTimer);
    await this.options.beforeLock();
    await this.options.profile.lock();
    const wiped = await wipeProfileStore(this.options.profile.profileDir, this.options.profile.storeOptions);
    if (!wiped.ok) throw CoreError.from(wiped.error);
    await rm(this.attemptsFile(), { force: true });
    this.options.profile.reset();
    this.options.log.info('device data wiped after a forgotten passcode');
    return this.profileWiped();
  }

  /**
   * The profile was erased (here, or by signing out or a removal of this device): no lock, no
   * passcode, no count of wrong ones; the stored policy went with the data, and the server sends
   * it again at the next sign-in.
   */
  profileWiped(): LockState {
    clearTimeout(this.idleTimer);
    this.attempts = { failed: 0, lastFailureAt: 0 };
    this.enabled = false;
    this.locked = false;
    this.policy = DEFAULT_FEATURE_CONFIGS.appLock;
    this.chosenAutoLockSeconds = undefined;
    return this.changed();
  }

  /** The user did something: the idle countdown starts again. */
  activity(): void {
    if (!this.locked) this.armIdleTimer();
  }

  /**
   * A call or group call started or ended on this device. While one runs, the idle countdown
   * waits: talking is using the app, and locking would end the call for everyone in it. It starts
   * again in full when the call ends. Locking by hand, the screen lock and suspend still lock.
   */
  callActivity(active: boolean): void {
    this.inCall = active;
    if (!this.locked) this.armIdleTimer();
  }

  /** The shell saw the screen lock or the computer suspend. */
  async systemLocked(): Promise<void> {
    if (this.enabled && !this.locked) await this.lock();
  }

  close(): void {
    clearTimeout(this.idleTimer);
  }

  /** Proves the passcode without changing anything on disk; wrong ones count as failures. */
  private async checkPasscode(passcode: string): Promise<void> {
    const wait = this.retryAfterMs();
    if (wait > 0) throw new CoreError('app-lock-wait', `${IPC_ERRORS['app-lock-wait']} (${Math.ceil(wait / 1000)} s)`);
    const vault = new PassphraseVault({ file: join(this.options.profile.profileDir, PROFILE_FILES.wrappedKey), passphrase: passcode });
    const key = await vault.loadKey();
    if (key.ok) {
      key.value.fill(0);
      return;
    }
    if (key.error.code === 'vault-wrong-passphrase') {
      await this.recordFailure();
      throw new CoreError('app-lock-wrong-passcode', this.wrongPasscodeSentence());
    }
    throw CoreError.from(key.error);
  }

  /** Re-keys the open database under a fresh key wrapped by `passcode` (store/rekeyProfile.ts). */
  private async rekey(passcode: string): Promise<void> {
    const store = await this.options.profile.store();
    const rekeyed = await rekeyProfile(this.options.profile.profileDir, store, passcode, this.options.kdf);
    if (!rekeyed.ok) throw CoreError.from(rekeyed.error);
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    const ms = effectiveAutoLockSeconds(this.chosenAutoLockSeconds, this.policy) * 1000;
    if (!this.enabled || this.locked || this.inCall || ms <= 0) return;
    this.idleTimer = setTimeout(() => {
      this.lock().catch((error: unknown) => this.options.log.error('auto-lock failed', { error }));
    }, ms);
    this.idleTimer.unref?.();
  }

  /** The user's auto-lock choice and the last policy the server sent, both from the encrypted store. */
  private async loadAutoLock(): Promise<void> {
    const { db } = await this.options.profile.store();
    this.chosenAutoLockSeconds = readKv(db, 'settings', 'autoLockSeconds', z.number().int().min(0).max(24 * 3600));
    const stored = storedFeatureConfigs(db);
    if (stored) this.policy = this.combinePolicy(stored.appLock);
  }

  private retryAfterMs(): number {
    const until = this.attempts.lastFailureAt + unlockDelayMs(this.attempts.failed);
    return Math.max(0, until - this.now());
  }

  private wrongPasscodeSentence(): string {
    const wait = this.retryAfterMs();
    return wait > 0 ? `The passcode is wrong. Try again in ${Math.ceil(wait / 1000)} s.` : 'The passcode is wrong.';
  }

  private async recordFailure(): Promise<void> {
    await this.writeAttempts({ failed: this.attempts.failed + 1, lastFailureAt: this.now() });
    this.changed();
  }

  private async readAttempts(): Promise<Attempts> {
    try {
      const parsed = AttemptsSchema.safeParse(JSON.parse(await readFile(this.attemptsFile(), 'utf8')));
      return parsed.success ? parsed.data : { failed: 0, lastFailureAt: 0 };
    } catch {
      return { failed: 0, lastFailureAt: 0 };
    }
  }

  private async writeAttempts(attempts: Attempts): Promise<void> {
    this.attempts = attempts;
    await writeFileAtomic(this.attemptsFile(), JSON.stringify(attempts));
  }

  private attemptsFile(): string {
    return join(this.options.profile.profileDir, ATTEMPTS_FILE);
  }

  private requireUnlocked(): void {
    if (this.locked) throw new CoreError('app-locked');
  }

  private changed(): LockState {
    const state = this.state();
    this.options.onState(state);
    return state;
  }
}
