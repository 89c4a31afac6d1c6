/**
 * The account state the whole UI follows: signed out, waiting for a registration code, or
 * signed in. Every change goes through the core; the UI never keeps credentials.
 */
import type { AccountStatus, ServerConfig } from '../../electron/core/ipc/contract';
import type { ErrorInfo, Result } from '../../protocol/result';
import { onEvent, request } from '../api';

export type AccountView =
  | Readonly<{ kind: 'loading' }>
  | Readonly<{ kind: 'ready'; status: AccountStatus }>
  | Readonly<{ kind: 'failed'; error: ErrorInfo }>;

class AccountState {
  view = $state<AccountView>({ kind: 'loading' });
  busy = $state(false);
  error = $state<ErrorInfo | undefined>(undefined);
  /** A new registration code was asked for and is on its way. */
  codeResent = $state(false);
  /** Where the sign-in panel starts after a registration was given up to change its address. */
  startOver = $state<Readonly<{ tab: 'create'; email: string }> | undefined>(undefined);

  get status(): AccountStatus | undefined {
    return this.view.kind === 'ready' ? this.view.status : undefined;
  }

  /** Follows changes the core makes on its own (this device removed from the account). */
  follow(): () => void {
    return onEvent('account.changed', (status) => {
      this.view = { kind: 'ready', status };
    });
  }

  async load(): Promise<void> {
    const result = await request('account.status', {});
    this.view = result.ok ? { kind: 'ready', status: result.value } : { kind: 'failed', error: result.error };
  }

  signIn(server: ServerConfig, email: string, password: string, temporary: boolean): Promise<void> {
    return this.run(() => request('account.login', { server, email, password, temporary }));
  }

  register(server: ServerConfig, email: string, name: string, password: string, temporary: boolean): Promise<void> {
    return this.run(() => request('account.register', { server, email, name, password, temporary }));
  }

  /** `password` only when the status says `passwordNeeded` (the core restarted since registering). */
  activate(email: string, code: string, password?: string): Promise<void> {
    this.codeResent = false;
    return this.run(() => request('account.activate', { email, code, ...(password === undefined ? {} : { password }) }));
  }

  /** Asks for a new registration code (the old one stops working); `codeResent` says so once it is on its way. */
  async resendCode(): Promise<void> {
    this.codeResent = false;
    await this.run(() => request('account.resendCode', {}));
    this.codeResent = this.error === undefined;
  }

  /**
   * Gives up the waiting registration. With `changeEmail` the create-account form comes back
   * with the address filled in, to correct it (the password is typed again: it is never kept).
   */
  async cancelRegistration(changeEmail?: { email: string }): Promise<void> {
    this.codeResent = false;
    // Set before the status changes, so the sign-in panel starts where it should.
    this.startOver = changeEmail ? { tab: 'create', email: changeEmail.email } : undefined;
    await this.run(() => request('account.cancelRegistration', {}));
    if (this.error !== undefined) this.startOver = undefined;
  }

  signOut(): Promise<void> {
    return this.run(() => request('account.logout', {}));
  }

  /** Forgets everything shown about the account (the app locked). */
  reset(): void {
    this.view = { kind: 'loading' };
    this.error = undefined;
  }

  clearError(): void {
    this.error = undefined;
  }

  /** Runs the last sign-in or registration again (after a passcode was chosen for a computer without a keychain). */
  async retry(): Promise<void> {
    const action = this.lastAction;
    if (action) await this.run(action);
  }

  private lastAction: (() => Promise<Result<AccountStatus>>) | undefined;

  private async run(action: () => Promise<Result<AccountStatus>>): Promise<void> {
    this.lastAction = action;
    this.busy = true;
    this.error = undefined;
    try {
      const result = await action();
      if (result.ok) this.view = { kind: 'ready', status: result.value };
      else this.error = result.error;
    } finally {
      this.busy = false;
    }
  }
}

export const account = new AccountState();
