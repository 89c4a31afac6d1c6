/**
 * The client core: a plain Node library with one typed request/event interface. Electron runs
 * it in a utility process; the CLI and the test host run the same code in Node.
 */
import path from 'node:path';
import type { MachinePolicy } from '../../protocol/machinePolicy';
import { effectiveAlwaysRelay, NO_MACHINE_POLICY, strictestAppLock } from '../../protocol/machinePolicy';
import { API_VERSION } from '../../protocol/version';
import { EventHub } from './events';
import type { ServerConfig } from './ipc/contract';
import { events as eventSchemas } from './ipc/eventSchemas';
import { servePort } from './ipc/portServer';
import type { Router } from './ipc/router';
import { createRouter } from './ipc/router';
import type { PortLike, WireFromCore } from './ipc/wire';
import type { Logger } from './log';
import { createLogger } from './log';
import { CoreError } from './ipc/errors';
import { serverToUse } from './net/builtInServer';
import { CallConfigCache, fetchCallConfig, iceConfigFor } from './net/callConfig';
import { probeServer } from './net/serverProbe';
import { AccountService } from './services/accountService';
import { AppLock } from './services/appLock';
import { BackupService } from './services/backupService';
import { completePasswordReset, requestPasswordReset } from './services/passwordReset';
import type { GrantAccess } from './services/fileGrants';
import { FileGrants } from './services/fileGrants';
import { PreferencesService } from './services/preferences';
import type { CallTimings, CoreTestSeams } from './session/calls/callOptions';
import type { SignedInSession } from './session/session';
import { ProfileHandle } from './services/profileHandle';
import type { ProfileStoreOptions } from './store/openProfileStore';
import { withTextAsFile } from './textAsFile';

export interface CoreOptions {
  /** Folder for this profile's database, keys and caches. */
  readonly dataDir: string;
  readonly appVersion: string;
  /** Server pre-filled on the welcome screen (the local server in development). */
  readonly defaultServer: ServerConfig | null;
  /**
   * The server and pins built into this copy (resources/server.json): when set, requests that
   * name another server or other pins are refused with `server-built-in` (net/builtInServer.ts).
   */
  readonly builtInServer?: ServerConfig | null;
  /**
   * What IT set on this computer (protocol/machinePolicy.ts), read by the shell: its server then
   * counts as built in, and its app lock rules combine with the server's, the stricter winning.
   */
  readonly machinePolicy?: MachinePolicy;
  readonly runtime?: string;
  readonly log?: Logger;
  /** How the profile's database key is kept (keychain by default, or a passphrase). */
  readonly store?: ProfileStoreOptions;
  /** False: never use the OS keychain; the user's passcode is then the only way in. */
  readonly useKeychain?: boolean;
  /**
   * Called once the app lock engaged (database closed, stream stopped, state event sent). The
   * process's memory may still hold the database key, the passcode and message text in freed
   * heap that no JS can erase, so a host replaces the process: it closes this core, exits, and
   * its parent starts a fresh core that opens locked without ever having held the key
   * (docs/SECURITY.md, section 5). The CLI, which has no lock, passes nothing.
   */
  readonly onLocked?: () => void;
  /**
   * Shorter ring and connect times for calls (tests of missed calls and failed connections);
   * absent means the call machine's defaults (DEFAULT_CALL_CONFIG: 60 s ring, 30 s connect).
   */
  readonly callTimings?: CallTimings;
  /** Test seams (session/calls/callOptions.ts); the Electron host refuses to start a core with any. */
  readonly testSeams?: CoreTestSeams;
}

/** The server a request may use, or the `server-built-in` refusal. */
function allowedServer(builtIn: ServerConfig | null, requested: ServerConfig): ServerConfig {
  const decision = serverToUse(builtIn, requested);
  if (!decision.ok) throw new CoreError(decision.code);
  return decision.server;
}

const KEYCHAIN_OFF = async (): Promise<never> => {
  throw new Error('the OS keychain is turned off for this profile');
};

export interface Core {
  readonly router: Router;
  /** The shell reports that the screen locked or the computer is going to sleep. */
  systemLocked(): Promise<void>;
  readonly events: EventHub;
  /**
   * Lets the holder of the returned grant id read or write `file` (absolute) through
   * `files.send`, `files.download` and the backup requests. Only the shell (for what the user
   * picked, dropped or chose to save) and the CLI (for the paths on its command line) call this;
   * the page cannot (see services/fileGrants.ts). `id` is the shell's, or minted here.
   */
  grantFile(access: GrantAccess, file: string, id?: string): string;
  /** Serves requests arriving on `port` and sends it every event; returns a detach function. */
  attach(port: PortLike<unknown, WireFromCore>): () => void;
  close(): Promise<void>;
}

export function createCore(options: CoreOptions): Core {
  const log = options.log ?? createLogger('core');
  const machinePolicy = options.machinePolicy ?? NO_MACHINE_POLICY;
  // The shell refuses to start when a built-in server and the machine policy's disagree.
  const builtInServer = options.builtInServer ?? machinePolicy.server ?? null;
  const events = new EventHub(log.child('events'));
  const storeOptions: ProfileStoreOptions =
    options.useKeychain === false ? { ...options.store, keychain: { ...options.store?.keychain, load: KEYCHAIN_OFF } } : (options.store ?? {});
  const profile = new ProfileHandle(options.dataDir, storeOptions);
  // The server's policy may enforce the app lock; `appLock` is created below, before any request runs.
  const account = new AccountService(
    profile,
    log.child('account'),
    events,
    (configs) => appLock.applyPolicy(configs.appLock),
    () => appLock.profileWiped(),
    { calls: { ...(options.callTimings ? { timings: options.callTimings } : {}), ...(options.testSeams ? { testSeams: options.testSeams } : {}) } },
  );
  const preferences = new PreferencesService(profile, events);
  const callConfigs = new CallConfigCache(log.child('calls'));
  const backups = new BackupService(() => account.backupOwner(), events, log.child('backup'));
  const grants = new FileGrants();
  const appLock = new AppLock({
    profile,
    log: log.child('app-lock'),
    beforeLock: () => {
      grants.clear();
      return account.lockDown();
    },
    onState: (state) => events.emit('appLock.state', state),
    combinePolicy: (server) => strictestAppLock(server, machinePolicy),
    ...(options.onLocked ? { onLocked: options.onLocked } : {}),
  });
  events.subscribe((event, payload) => {
    if (event !== 'call.activity') return;
    const activity = eventSchemas['call.activity'].safeParse(payload);
    if (activity.success) appLock.callActivity(activity.data.active);
  });
  // Every request that may touch the profile waits until the lock state is known.
  const ready = appLock.init().catch((error: unknown) => log.error('reading the app lock state failed', { error }));
  const after =
    <A extends unknown[], R>(handler: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await ready;
      return handler(...args);
    };
  /**
   * A handler that needs the signed-in session: the one place that decides "not signed in".
   * The session lives from sign-in (or unlock) to sign-out (or lock): session/session.ts.
   */
  const requireSession =
    <A extends unknown[], R>(handler: (session: SignedInSession, ...args: A) => R | Promise<R>) =>
    async (...args: A): Promise<R> => {
      await ready;
      const session = await account.session();
      if (!session) throw new CoreError('account-signed-out');
      return handler(session, ...args);
    };
  const router = createRouter(
    {
      'app.info': () => ({
        name: 'Cairn',
        version: options.appVersion,
        apiVersion: API_VERSION,
        platform: process.platform,
        arch: process.arch,
        runtime: options.runtime ?? `node ${process.versions.node}`,
        defaultServer: builtInServer ?? options.defaultServer,
        builtInServer,
        managed: { alwaysRelay: machinePolicy.calls?.alwaysRelay === true },
      }),
      'app.ping': ({ nonce }) => ({ nonce, receivedAt: Date.now() }),
      'server.probe': (config) => probeServer(allowedServer(builtInServer, config)),
      'account.status': after(() => account.status()),
      'account.register': after((request) => account.register({ ...request, server: allowedServer(builtInServer, request.server) })),
      'account.activate': after(({ email, code, password }) => account.activate(email, code, password)),
      'account.resendCode': after(() => account.resendCode()),
      'account.cancelRegistration': after(() => account.cancelRegistration()),
      'account.requestPasswordReset': async (request) => {
        await requestPasswordReset(await account.signedOutClient(allowedServer(builtInServer, request.server)), request.email);
        return {};
      },
      'account.completePasswordReset': async (request) => {
        await completePasswordReset(await account.signedOutClient(allowedServer(builtInServer, request.server)), request.resetCode, request.password);
        return {};
      },
      'account.login': after((request) => account.login({ ...request, server: allowedServer(builtInServer, request.server) })),
      'account.logout': after(async () => {
        if (backups.busy) throw new CoreError('backup-busy', 'A backup is running. Wait for it to finish or cancel it, then sign out.');
        grants.clear();
        return account.logout();
      }),
      'account.self': after(() => account.self()),
      'account.updateProfile': after((update) => account.updateProfile(update)),
      'account.devices': after(() => account.devices()),
      'account.removeDevice': after(({ id, password }) => account.removeDevice(id, password)),
      'connection.status': () => account.connection,
      'backup.inspect': after(({ grant }) => backups.inspect(grants.use(grant, 'read', { spend: false }))),
      'backup.export': after(async (request) => {
        const exported = await backups.export(grants.use(request.grant, 'write', { spend: true }), 'password' in request ? request.password : undefined);
        return { ...exported, file: path.basename(exported.file) };
      }),
      'backup.import': after(({ grant, password, allowUnencrypted }) =>
        backups.import(grants.use(grant, 'read', { spend: false }), password, allowUnencrypted),
      ),
      'backup.cancel': () => backups.cancel(),
      'users.search': requireSession((s, { query }) => s.people.search(query)),
      'chatRequests.send': requireSession((s, { email }) => s.chatRequests.send(email)),
      'chatRequests.list': requireSession((s) => s.chatRequests.list()),
      'chatRequests.accept': requireSession((s, { id }) => s.chatRequests.accept(id)),
      'chatRequests.ignore': requireSession((s, { id }) => s.chatRequests.ignore(id)),
      'users.devices': requireSession((s, { user }) => s.verification.userDevices(user)),
      'devices.verify': requireSession((s, request) => s.verification.verifyDevice(request)),
      'conversations.devices': requireSession((s, { conversationId }) => s.verification.conversationDevices(conversationId)),
      'conversations.acceptDegraded': requireSession((s, { conversationId }) => s.verification.acceptDegraded(conversationId)),
      'conversations.list': requireSession((s) => s.queries.list()),
      'conversations.setMuted': requireSession((s, { conversationId, until }) => s.settings.setMuted(conversationId, until)),
      'conversations.setArchived': requireSession((s, { conversationId, archived }) => s.settings.setArchived(conversationId, archived)),
      'preferences.get': after(() => preferences.get()),
      'preferences.set': after((patch) => preferences.set(patch)),
      'calls.config': requireSession(async (s) => {
        const { api } = s.device;
        // The machine policy's "always relay" beats the user's choice (protocol/machinePolicy.ts).
        const alwaysRelay = effectiveAlwaysRelay((await preferences.get())['calls.alwaysRelay'], machinePolicy);
        return iceConfigFor(await callConfigs.current(api, () => fetchCallConfig(api)), alwaysRelay);
      }),
      'calls.prepare': requireSession((s, request) => s.calls.prepare(request)),
      'calls.start': requireSession((s, request) => s.calls.start(request)),
      'calls.accept': requireSession((s, request) => s.calls.accept(request)),
      'calls.decline': requireSession((s, request) => s.calls.decline(request)),
      'calls.hangUp': requireSession((s, request) => s.calls.hangUp(request)),
      'calls.report': requireSession((s, request) => s.calls.report(request)),
      'calls.frameKey': requireSession((s, request) => s.calls.frameKey(request)),
      'calls.remoteDescription': requireSession((s, request) => s.calls.remoteDescription(request)),
      'calls.list': requireSession((s) => s.calls.list()),
      'conferences.start': requireSession((s, request) => s.conferences.start(request)),
      'conferences.join': requireSession((s, request) => s.conferences.join(request)),
      'conferences.publish': requireSession((s, request) => s.conferences.publish(request)),
      'conferences.answerSubscription': requireSession((s, request) => s.conferences.answerSubscription(request)),
      'conferences.setMedia': requireSession((s, request) => s.conferences.setMedia(request)),
      'conferences.report': requireSession((s, request) => s.conferences.report(request)),
      'conferences.frameKey': requireSession((s, request) => s.conferences.frameKey(request)),
      'conferences.subscription': requireSession((s, request) => s.conferences.subscription(request)),
      'conferences.leave': requireSession((s, request) => s.conferences.leave(request)),
      'conferences.list': requireSession((s) => s.conferences.list()),
      'conversations.create': requireSession((s, { name, members }) => s.membership.create(name, members)),
      'conversations.openOneToOne': requireSession((s, { user }) => s.membership.openOneToOne(user)),
      'conversations.members': requireSession((s, { conversationId }) => s.queries.members(conversationId)),
      'conversations.leave': requireSession((s, { conversationId }) => s.membership.leave(conversationId)),
      'conversations.addMembers': requireSession((s, { conversationId, members }) => s.membership.addMembers(conversationId, members)),
      'conversations.removeMember': requireSession((s, { conversationId, member }) => s.membership.removeMember(conversationId, member)),
      'device.keyStock': requireSession((s) => s.keys.stock()),
      'messages.edit': requireSession((s, { conversationId, messageId, text, mentions }) => s.outgoing.edit(conversationId, messageId, text, mentions)),
      'messages.delete': requireSession((s, { conversationId, messageId }) => s.outgoing.delete(conversationId, messageId)),
      'messages.react': requireSession((s, { conversationId, messageId, emoji }) => s.outgoing.react(conversationId, messageId, emoji)),
      'files.send': requireSession((s, { conversationId, grant, transferId }) =>
        s.fileSending.send(conversationId, grants.use(grant, 'read', { spend: true }), transferId),
      ),
      'files.sendText': requireSession((s, { conversationId, name, text, transferId }) =>
        withTextAsFile(text, name, (file) => s.fileSending.send(conversationId, file, transferId)),
      ),
      'files.download': requireSession(async (s, { assetId, grant }) => {
        const saved = await s.files.download(assetId, grants.use(grant, 'write', { spend: true }));
        return { name: path.basename(saved.path), size: saved.size };
      }),
      'files.preview': requireSession((s, { assetId }) => s.files.preview(assetId)),
      'messages.typing': requireSession((s, { conversationId, state }) => s.outgoing.typing(conversationId, state)),
      'messages.markRead': requireSession((s, { conversationId }) => s.outgoing.markRead(conversationId)),
      'messages.search': requireSession((s, { text, limit }) => s.queries.search(text, limit)),
      'messages.list': requireSession((s, { conversationId, limit, before }) => s.queries.messages(conversationId, limit, before)),
      'messages.send': requireSession((s, { conversationId, text, timerMs, quote, mentions }) =>
        s.outgoing.sendText(conversationId, text, { timerMs, quote, mentions }),
      ),
      'messages.retry': requireSession((s, { conversationId, messageId }) => s.resender.retry(conversationId, messageId)),
      'messages.knock': requireSession((s, { conversationId }) => s.outgoing.knock(conversationId)),
      'messages.hide': requireSession((s, { conversationId, messageId }) => s.hidden.hide(conversationId, messageId)),
      'appLock.status': after(async () => {
        if (!appLock.state().locked) await appLock.refreshEnabled();
        return appLock.state();
      }),
      'appLock.enable': after(({ passcode }) => appLock.enable(passcode)),
      'appLock.disable': after(({ passcode }) => appLock.disable(passcode)),
      'appLock.change': after(({ current, next }) => appLock.changePasscode(current, next)),
      'appLock.setAutoLock': after(({ seconds }) => appLock.setAutoLock(seconds)),
      'appLock.lock': after(() => appLock.lock()),
      'appLock.unlock': after(({ passcode }) => appLock.unlock(passcode)),
      'appLock.forgetDevice': after(() => appLock.forgetDevice()),
      'appLock.choosePasscode': after(({ passcode }) => appLock.choosePasscode(passcode)),
      'appLock.activity': () => {
        appLock.activity();
        return {};
      },
    },
    {
      onInternalError: (channel, error) => log.error('request failed', { channel, error }),
    },
  );

  const detachers = new Set<() => void>();
  return {
    router,
    events,
    grantFile: (access, file, id) => grants.add(access, file, id),
    systemLocked: async () => {
      await ready;
      await appLock.systemLocked();
    },
    attach(port) {
      const stopServing = servePort(port, router, (reason) => log.warn('dropped IPC message', { reason }));
      const unsubscribe = events.subscribe((event, payload) => port.postMessage({ kind: 'event', event, payload }));
      const detach = (): void => {
        stopServing();
        unsubscribe();
        detachers.delete(detach);
      };
      detachers.add(detach);
      return detach;
    },
    async close() {
      for (const detach of [...detachers]) detach();
      appLock.close();
      await account.lockDown();
      await profile.close();
    },
  };
}
