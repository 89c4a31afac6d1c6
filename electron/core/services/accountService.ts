/**
 * Account lifecycle on one profile: request a registration code, activate the account with it,
 * sign in (permanent or temporary device), sign out, read the own profile. The persistent user
 * cookie is kept in the encrypted store; a temporary device's cookie lives only in memory
 * (seed 002), so a restart of a temporary device signs it out.
 */
import type { FeatureConfigs } from '../../../protocol/api/featureConfigs';
import type { SelfUser } from '../../../protocol/api/users';
import type { EventHub } from '../events';
import type { AccountStatus, ConnectionState, Device, ServerConfig } from '../ipc/contract';
import { wipeProfileStore } from '../store/wipeProfileStore';
import type { BackupOwner } from './backupService';
import type { SessionOptions } from '../session/session';
import { SignedInSession } from '../session/session';
import { SyncService } from './syncService';
import { ConnectionStateSchema } from '../ipc/contract';
import type { AccountRecord, PendingRegistration, Registration, SignIn } from './accountRecord';
import { AccountRecordSchema, readPendingRegistration, signedIn } from './accountRecord';
import { listAccountDevices } from './accountDevices';
import { CoreError } from '../ipc/errors';
import type { Logger } from '../log';
import { ApiClient } from '../net/apiClient';
import { Session } from '../net/session';
import { deleteKv, readKv, writeKv } from '../store/kv';
import { storedDevice } from '../store/device';
import { registerDevice } from './deviceRegistration';
import { ServerFacts } from './serverFacts';
import type { ProfileHandle } from './profileHandle';

/** How long locking or signing out waits for this device's calls to be ended and its group call left. */
const END_CALLS_MS = 5_000;

export class AccountService {
  private client: ApiClient | undefined;
  private record: AccountRecord | undefined;
  private sessionCookie: string | undefined;
  private readonly sync: SyncService;
  private activeSession: SignedInSession | undefined;
  private loading: Promise<AccountRecord | undefined> | undefined;
  /** A new device joining existing conversations; backups wait for it (it writes to the store). */
  private joining: Promise<unknown> = Promise.resolve();

  /** Pins and policy learned from the server while connected. */
  private readonly serverFacts: ServerFacts;
  /** The password of the registration waiting for its code, in memory only; gone after a restart or a lock. */
  private pendingPassword: Readonly<{ email: string; password: string }> | undefined;

  constructor(
    private readonly profile: ProfileHandle,
    private readonly log: Logger,
    private readonly events: EventHub,
    /** The server's policy is known: the stored one when the account loads, the server's after each (re)connect. */
    private readonly onFeatureConfigs: (configs: FeatureConfigs) => void = () => undefined,
    /** The profile was wiped (sign-out, device removed): whatever else holds state about it forgets it. */
    private readonly onWiped: () => void = () => undefined,
    /** Set by the core's options for every session this account starts (session.ts). */
    private readonly sessionOptions: SessionOptions = {},
  ) {
    this.sync = new SyncService(events, log.child('sync'), { onDeviceRemoved: () => this.deviceRemoved() });
    this.serverFacts = new ServerFacts({
      current: () => this.record,
      api: (record) => this.apiClient(record),
      db: async () => (await this.profile.store()).db,
      savePins: async (record, pins) => {
        await this.saveRecord({ ...record, server: { ...record.server, pins: [...pins] } });
      },
      onFeatureConfigs,
      log,
    });
    // Connected and caught up (after every reconnect): ask the server for its pins and policy again.
    events.subscribe((event, payload) => {
      if (event === 'connection.state' && ConnectionStateSchema.safeParse(payload).data?.state === 'online') this.serverFacts.refresh();
    });
  }

  get connection(): ConnectionState {
    return { state: this.sync.connection, since: Date.now() };
  }

  async status(): Promise<AccountStatus> {
    // Before the first sign-in there is no profile: nothing to open, nothing to create yet.
    if (!this.record && !(await this.profile.exists())) return { state: 'signed-out' };
    const record = await this.current();
    if (record) return signedIn(record);
    // Loading may have wiped the profile (a temporary device's session ended): do not create a new one.
    if (!(await this.profile.exists())) return { state: 'signed-out' };
    const { db } = await this.profile.store();
    const pending = readPendingRegistration(db);
    return pending ? this.awaitingCode(pending) : { state: 'signed-out' };
  }

  /**
   * Asks the server to e-mail a registration code. The details wait in the encrypted store, the
   * password only in this process's memory.
   */
  async register(registration: Registration): Promise<AccountStatus> {
    await this.requireSignedOut();
    await this.wipeLeftovers();
    const client = this.clientFor(registration.server, undefined);
    try {
      await client.call('sendActivationCode', { body: { email: registration.email } });
    } finally {
      client.close();
    }
    const { db } = await this.profile.store();
    const pending: PendingRegistration = {
      server: registration.server,
      email: registration.email,
      name: registration.name,
      temporary: registration.temporary,
    };
    writeKv(db, 'profile', 'pendingRegistration', pending);
    this.pendingPassword = { email: registration.email, password: registration.password };
    return this.awaitingCode(pending);
  }

  /**
   * Finishes the registration with the e-mailed code. The password is the one given at
   * registration while this process still holds it; after a restart (or a lock) the caller must
   * give it again (`account-password-needed` otherwise, and the status says `passwordNeeded`).
   */
  async activate(email: string, code: string, password?: string): Promise<AccountStatus> {
    await this.requireSignedOut();
    const { db } = await this.profile.store();
    const pending = readPendingRegistration(db);
    if (!pending || pending.email !== email) {
      throw new CoreError('account-no-pending-registration', `No registration is waiting for ${email}. Register first.`);
    }
    const chosen = password ?? (this.pendingPassword?.email === email ? this.pendingPassword.password : undefined);
    if (chosen === undefined) throw new CoreError('account-password-needed');
    const client = this.clientFor(pending.server, undefined);
    const access = await client.call('register', {
      body: {
        email,
        code,
        password: chosen,
        name: pending.name,
        cookie: pending.temporary ? 'session' : 'persistent',
      },
    });
    client.session.setToken(access.accessToken, access.expiresIn);
    const self = await client.call('getSelf', {});
    const adopted = await this.adopt(client, pending.server, self, pending.temporary, chosen);
    deleteKv(db, 'profile', 'pendingRegistration');
    this.pendingPassword = undefined;
    return adopted;
  }

  /**
   * Asks the server to e-mail a new registration code for the waiting registration (the old
   * code stops working; a code entered wrongly too often must be replaced this way). The server
   * limits how often it sends one (`rate-limited`).
   */
  async resendCode(): Promise<AccountStatus> {
    await this.requireSignedOut();
    const { db } = await this.profile.store();
    const pending = readPendingRegistration(db);
    if (!pending) throw new CoreError('account-no-pending-registration', 'No registration is waiting for a code. Create the account again.');
    const client = this.clientFor(pending.server, undefined);
    try {
      await client.call('sendActivationCode', { body: { email: pending.email } });
    } finally {
      client.close();
    }
    return this.awaitingCode(pending);
  }

  /** Forgets the waiting registration ("Change e-mail", "Cancel"): back to signed out. Nothing was created at the server. */
  async cancelRegistration(): Promise<AccountStatus> {
    await this.requireSignedOut();
    if (!(await this.profile.exists())) return { state: 'signed-out' };
    const { db } = await this.profile.store();
    deleteKv(db, 'profile', 'pendingRegistration');
    this.pendingPassword = undefined;
    return { state: 'signed-out' };
  }

  private awaitingCode(pending: PendingRegistration): AccountStatus {
    return { state: 'awaiting-code', email: pending.email, server: pending.server, passwordNeeded: this.pendingPassword?.email !== pending.email };
  }

  /** A client for `server` while no account is signed in here ("Forgot password?", passwordReset.ts). */
  async signedOutClient(server: ServerConfig): Promise<ApiClient> {
    await this.requireSignedOut();
    return this.clientFor(server, undefined);
  }

  async login(signIn: SignIn): Promise<AccountStatus> {
    await this.requireSignedOut();
    await this.wipeLeftovers();
    const client = this.clientFor(signIn.server, undefined);
    try {
      const access = await client.call('login', {
        body: {
          email: signIn.email,
          password: signIn.password,
          cookie: signIn.temporary ? 'session' : 'persistent',
          ...(signIn.verificationCode ? { verificationCode: signIn.verificationCode } : {}),
        },
      });
      client.session.setToken(access.accessToken, access.expiresIn);
      const self = await client.call('getSelf', {});
      return await this.adopt(client, signIn.server, self, signIn.temporary, signIn.password);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /**
   * Signs out: every local trace of the account goes (seed 002, "End-of-life of a client": all
   * local state is deleted, including all secrets; security review item 3), then the cookie is
   * revoked at the server (best effort when offline; it was only in the wiped database and in
   * this call's memory). The server keeps listing this device, with its public keys, until the
   * user removes it from another device; signing in again registers a new one. Also clears a
   * registration waiting for its code. If the key cannot be erased (keychain unreachable),
   * nothing was deleted, the account stays signed in and the error says so.
   */
  async logout(): Promise<AccountStatus> {
    const record = await this.current();
    if (!record && !(await this.profile.exists())) return { state: 'signed-out' };
    const cookie = record ? (record.cookie ?? this.sessionCookie) : undefined;
    await this.endCalls();
    await this.wipe();
    if (record && cookie !== undefined) {
      const client = this.clientFor(record.server, cookie);
      client.session.clientId = record.clientId;
      try {
        await client.call('logout', {});
      } catch (error) {
        this.log.warn('logout at the server failed; this computer is signed out and wiped anyway', { error });
      } finally {
        client.close();
      }
    }
    return { state: 'signed-out' };
  }

  async self(): Promise<SelfUser> {
    const record = await this.requireRecord();
    return this.apiClient(record).call('getSelf', {});
  }

  /**
   * Changes what others see: the display name and, with `handle`, the username people find this
   * user by (unique per domain: the server answers `handle-exists` otherwise). The signed-in
   * status carries the new name at once (`account.changed`).
   */
  async updateProfile(update: { name?: string; handle?: string }): Promise<SelfUser> {
    const record = await this.requireRecord();
    const api = this.apiClient(record);
    if (update.handle !== undefined) await api.call('setHandle', { body: { handle: update.handle } });
    const self = update.name !== undefined ? await api.call('updateSelf', { body: { name: update.name } }) : await api.call('getSelf', {});
    await this.ownNameChanged(record.userId, self.name);
    return self;
  }

  async devices(): Promise<{ devices: Device[] }> {
    const record = await this.requireRecord();
    const { db } = await this.profile.store();
    return listAccountDevices(this.apiClient(record), db, record);
  }

  /**
   * Removes a device from the account (the password is asked again, seed 002). The removed
   * device is told by the server and wipes itself; removing this very device wipes it here.
   */
  async removeDevice(id: string, password: string): Promise<{ devices: Device[] }> {
    const record = await this.requireRecord();
    await this.apiClient(record).call('deleteClient', { params: { client: id }, body: { password } });
    if (id === record.clientId) {
      await this.deviceRemoved();
      return { devices: [] };
    }
    return this.devices();
  }

  close(): void {
    this.serverFacts.stop();
    void this.sync.stop();
    this.client?.close();
    this.client = undefined;
  }

  /** Forgets everything held in memory (the app is locking); the encrypted store keeps the rest. */
  async lockDown(): Promise<void> {
    await this.endCalls();
    await this.sync.stop();
    this.suspend();
  }

  /**
   * Ends this device's calls while the network and the store are still there: a 1:1 call through
   * calls/callService.ts `endAll` (the peer hears at once that the call is over, and a lock leaves
   * the call's line in the history), a group call by leaving it, so the call group's key generator
   * removes this device at once. Bounded, so a server that does not answer cannot hold up locking
   * or signing out.
   */
  private async endCalls(): Promise<void> {
    const session = this.activeSession;
    if (session === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, END_CALLS_MS);
    });
    const leaveConference = session.leaveCalls().catch((error: unknown) => this.log.warn('leaving the group call failed', { error }));
    await Promise.race([Promise.all([session.calls.endAll(), leaveConference]), bound]);
    clearTimeout(timer);
  }

  private suspend(): void {
    this.activeSession?.close();
    this.activeSession = undefined;
    this.close();
    this.record = undefined;
    this.sessionCookie = undefined;
    this.pendingPassword = undefined;
  }

  /**
   * Makes the signed-in session this profile's: registers this computer as a device (or reuses
   * the device this profile registered before for the same user) and stores the record. If the
   * device cannot be registered (too many devices, say), the new cookie is revoked again.
   */
  private async adopt(
    client: ApiClient,
    server: ServerConfig,
    self: SelfUser,
    temporary: boolean,
    password: string,
  ): Promise<AccountStatus> {
    const cookie = client.session.userCookie;
    if (!cookie) throw new CoreError('server-bad-response', 'The server did not issue a session cookie.');
    const { db } = await this.profile.store();
    const owner = { userId: self.qualifiedId.id, domain: self.qualifiedId.domain, password, temporary };
    // The profile is empty (sign-in wipes what an earlier account left): this computer becomes a new device.
    const clientId = await registerDevice(client, db, owner).then(
      (device) => device.clientId,
      async (error: unknown) => {
        await client.call('logout', {}).catch(() => undefined);
        throw error;
      },
    );
    this.log.info('registered this device', { clientId });
    const record: AccountRecord = {
      server,
      userId: self.qualifiedId.id,
      domain: self.qualifiedId.domain,
      email: self.email,
      name: self.name,
      temporary,
      clientId,
      ...(temporary ? {} : { cookie }),
    };
    await this.saveRecord(record);
    this.sessionCookie = temporary ? cookie : undefined;
    this.client?.close();
    this.client = client;
    await this.startSync(record);
    // A newly registered device joins the user's existing conversations; it must not delay sign-in.
    const session = this.activeSession;
    if (session) {
      this.joining = session.membership.joinExisting().then(
        (result) => this.log.info('joined existing conversations', result),
        (error: unknown) => this.log.warn('joining existing conversations failed', { error }),
      );
    }
    return signedIn(record);
  }

  /** Connects to the notification queue of the signed-in device (idempotent). */
  private async startSync(record: AccountRecord): Promise<void> {
    const { db } = await this.profile.store();
    const api = this.apiClient(record);
    this.activeSession?.close();
    const session = new SignedInSession(
      { api, db, profileDir: this.profile.profileDir, userId: record.userId, domain: record.domain, clientId: record.clientId },
      this.events,
      this.log.child('session'),
      { ownNameChanged: (name) => void this.ownNameChanged(record.userId, name) },
      this.sessionOptions,
    );
    this.activeSession = session;
    // The last policy the server sent applies at once, offline too; the server's answer follows online.
    this.serverFacts.start(db);
    await this.sync.start(api, record.server.url, db, session.receiving);
  }

  /** What a backup needs: the store, who owns it, and a way to pause the notification stream. */
  async backupOwner(): Promise<BackupOwner> {
    const record = await this.requireRecord();
    const { db } = await this.profile.store();
    return {
      db,
      userId: `${record.userId}@${record.domain}`,
      pauseWriters: async () => {
        await this.joining;
        await this.sync.stop();
        return async () => {
          if (this.record) await this.startSync(this.record);
        };
      },
    };
  }

  /** The signed-in session, or undefined when no account is signed in (core.ts `requireSession` says so). */
  async session(): Promise<SignedInSession | undefined> {
    const record = await this.current();
    return record ? this.activeSession : undefined;
  }

  /** This user's name changed (here, or on another device: a `user.update`): the signed-in status carries it. */
  private async ownNameChanged(userId: string, name: string): Promise<void> {
    const latest = this.record;
    if (!latest || latest.userId !== userId || latest.name === name) return;
    const record = await this.saveRecord({ ...latest, name });
    this.events.emit('account.changed', signedIn(record));
  }

  /**
   * The server removed this device (from another device, or the account was reset): every
   * local trace goes, key first (seed 002), and the UI is told it is signed out.
   */
  private async deviceRemoved(): Promise<void> {
    this.log.warn('this device was removed from the account; wiping local data');
    await this.wipe().catch((error: unknown) => this.log.error('wiping the removed device failed', { error }));
  }

  /**
   * Closes everything that holds the account (stream, conversations, sessions, the pending
   * password), closes the database and erases the profile (`wipeProfileStore`). Afterwards the
   * core is signed out and the next sign-in starts an empty profile. Throws the wipe's error when
   * the key could not be erased; the profile then opens again as it was.
   */
  private async wipe(): Promise<void> {
    await this.endCalls();
    await this.sync.stop();
    this.suspend();
    await this.profile.lock();
    const wiped = await wipeProfileStore(this.profile.profileDir, this.profile.storeOptions);
    this.profile.reset();
    if (!wiped.ok) throw CoreError.from(wiped.error);
    this.onWiped();
    this.events.emit('account.changed', { state: 'signed-out' });
  }

  /**
   * A profile that still holds a device but no signed-in account: signed out by a version that
   * kept the data, or a temporary device's session that ended with a restart. Nothing of that
   * account may reach the next one, so it is wiped before anyone signs in.
   */
  private async wipeLeftovers(): Promise<void> {
    if (!(await this.profile.exists())) return;
    const { db } = await this.profile.store();
    if (storedDevice(db) === undefined) return;
    this.log.warn('this profile still holds the data of an account that signed out; wiping it');
    await this.wipe();
  }

  /** The signed-in account, loaded once: concurrent first calls share one load (and one sync start). */
  private current(): Promise<AccountRecord | undefined> {
    if (this.record) return Promise.resolve(this.record);
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<AccountRecord | undefined> {
    const { db } = await this.profile.store();
    const stored = readKv(db, 'profile', 'account', AccountRecordSchema);
    if (stored?.temporary) {
      // A temporary device's cookie never touched the disk: after a restart it is signed out,
      // and signing out wipes the profile (seed 002: a temporary device keeps nothing).
      await this.wipe();
      return undefined;
    }
    this.record = stored;
    if (stored) await this.startSync(stored);
    return stored;
  }

  /** The signed-in account, or `account-signed-out`. */
  private async requireRecord(): Promise<AccountRecord> {
    const record = await this.current();
    if (!record) throw new CoreError('account-signed-out');
    return record;
  }

  private async requireSignedOut(): Promise<void> {
    if (await this.current()) throw new CoreError('account-signed-in');
  }

  private apiClient(record: AccountRecord): ApiClient {
    if (!this.client) {
      this.client = this.clientFor(record.server, record.cookie ?? this.sessionCookie);
      this.client.session.clientId = record.clientId;
    }
    return this.client;
  }

  private clientFor(server: ServerConfig, cookie: string | undefined): ApiClient {
    const session = new Session(cookie, (updated) => void this.persistCookie(updated));
    return new ApiClient({ baseUrl: server.url, pins: server.pins, session, log: this.log.child('api') });
  }

  /** The server rotates the cookie on refresh: keep the newest one for permanent devices. */
  private async persistCookie(cookie: string | undefined): Promise<void> {
    const record = this.record;
    if (!record || cookie === undefined) return;
    if (record.temporary) {
      this.sessionCookie = cookie;
      return;
    }
    if (record.cookie !== cookie) await this.saveRecord({ ...record, cookie });
  }

  /** Makes `record` the signed-in account's and stores it. */
  private async saveRecord(record: AccountRecord): Promise<AccountRecord> {
    this.record = record;
    const { db } = await this.profile.store();
    writeKv(db, 'profile', 'account', record);
    return record;
  }
}
