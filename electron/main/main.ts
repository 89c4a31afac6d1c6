/**
 * Electron main: the thin shell. It owns the app lifecycle and the window, serves the
 * renderer on app://cairn, and starts the core in a utility process; it runs no SQL, crypto
 * or protocol logic, and IPC between page and core does not pass through it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserWindow } from 'electron';
import { app, dialog, Menu, Notification, powerMonitor, session, shell } from 'electron';
import { NO_MACHINE_POLICY } from '../../protocol/machinePolicy';
import { appMenuTemplate } from './appMenu';
import { registerAppSchemePrivileges, serveAppScheme } from './appScheme';
import { CORE_PORT_CHANNEL } from './channels';
import { installContentsGuards } from './contentsGuards';
import { nodePolicyIo } from './machinePolicyIo';
import { readMachinePolicy } from './machinePolicyReader';
import { RELEASE_PUBLIC_KEYS } from './releaseKeys';
import { planUpdates } from './updatePlan';
import type { Updater } from './updater';
import { startUpdater } from './updater';
import { utilityProcessLauncher } from './coreProcess';
import { decideRestart } from './coreRestartPolicy';
import { createCoreSupervisor } from './coreSupervisor';
import { CALL_ACTION_CHANNEL } from '../core/ipc/shellApi';
import { CallNotices } from './callNotices';
import { createCallPresence, installDisplayMediaHandler } from './callShell';
import { BUILT_IN_SERVER_FILE, readBuiltInServer, serverSettings, withMachinePolicyServer } from './builtInServer';
import { showFatalDialog } from './fatalDialog';
import { createMainWindow } from './mainWindow';
import type { MessageNotice } from './notificationBatcher';
import { NotificationBatcher, noticeBody } from './notificationBatcher';
import { mayReceiveCorePort } from './navigationPolicy';
import { installNetworkLock, installPermissionHandlers } from './sessionLocks';
import { installShellIpc } from './shellIpc';
import type { ShellBuild } from './shellBuild';
import { spellCheckFor } from './shellBuild';
import { shellPaths } from './shellPaths';
import { runSmokeCheck } from './smokeRun';
import { WINDOW_STATE_FILE_NAME } from './windowStateFile';

const log = (message: string): void => {
  process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level: 'info', scope: 'shell', message })}\n`);
};

/** The app id of electron-builder's config: Windows groups by it, macOS names managed preferences after it. */
const APP_ID = 'im.cairn.desktop';
const paths = shellPaths(__dirname);
const build: ShellBuild = { packaged: app.isPackaged, platform: process.platform };
// What IT set on this computer (machinePolicyReader.ts); an unreadable policy stops the start in start().
const policyRead = readMachinePolicy(process.platform, APP_ID, nodePolicyIo);
const machinePolicy = policyRead.kind === 'policy' ? policyRead.policy : NO_MACHINE_POLICY;
const servers = withMachinePolicyServer(
  serverSettings(readBuiltInServer(readOptional(path.join(resourcesDir(), BUILT_IN_SERVER_FILE))), process.env),
  machinePolicy,
);
let updater: Updater | undefined;
let mainWindow: BrowserWindow | undefined;
// Display sleep and taskbar attention follow the core's call.activity (callPresence.ts).
const callPresence = createCallPresence(() => mainWindow);

// Before `ready`: the scheme must be privileged before any session exists, and every
// renderer is sandboxed even if some future code forgets the flag.
registerAppSchemePrivileges();
app.enableSandbox();
// Windows groups windows and notifications by this id; it must match appId in the builder config.
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

const supervisor = createCoreSupervisor(
  utilityProcessLauncher(paths.coreEntry),
  {
    onStarted: (restart) => {
      if (restart && mainWindow) connectRenderer(mainWindow);
    },
    onCallState: (activity) => {
      callPresence.update(activity);
      callNotices.ringing(activity.ringing);
      // An update that is ready waits for the call to end (updater.ts).
      if (!activity.active) updater?.callEnded();
    },
    onNotify: ({ call, ...notification }) => (call ? showCallNotification({ ...notification, call }) : showMessageNotification(notification)),
    // No desktop notification outlives the lock or appears while it holds (security review, item 8).
    onLockChanged: (locked) => {
      notifier.setLocked(locked);
      callNotices.setLocked(locked);
    },
    onGaveUp: (detail) => void reportCoreFailure(detail),
    log,
  },
  {
    startOptions: {
      dataDir: path.join(app.getPath('userData'), 'profile'),
      appVersion: app.getVersion(),
      defaultServer: servers.ok ? servers.defaultServer : null,
      builtInServer: servers.ok ? servers.builtInServer : null,
      machinePolicy,
      runtime: `electron ${process.versions.electron ?? 'unknown'}`,
    },
  },
);

if (!app.requestSingleInstanceLock()) {
  // Another Cairn owns this profile; it gets the 'second-instance' event and shows itself.
  app.quit();
} else {
  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_event, contents) =>
    installContentsGuards(contents, { openExternal: (url) => shell.openExternal(url), log }),
  );
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!mainWindow) openWindowOrReport();
  });
  app.on('before-quit', () => supervisor.stop());
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log(`startup failed: ${error instanceof Error ? error.message : 'unknown error'}`);
      void showFatalDialog('Cairn could not start.', error instanceof Error ? error.message : '');
    });
}

/** One notification per conversation at a time; a burst of messages is told as one. */
const notifier = new NotificationBatcher({
  show: (notice, count) => {
    const shown = new Notification({ title: notice.title, body: noticeBody(notice, count) });
    // A click shows Cairn: for an incoming call its prompt is there, with Accept and Decline.
    shown.on('click', showWindow);
    shown.show();
    return shown;
  },
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
});

/**
 * Incoming and missed calls (callNotices.ts): alone, not batched; Accept and Decline where the
 * platform shows actions, handed to the page, which makes the media and the answer; a click shows
 * the window with the incoming-call prompt.
 */
const callNotices = new CallNotices(process.platform, {
  show: (notice, options, events) => {
    const shown = new Notification({
      title: notice.title,
      body: notice.body,
      actions: [...options.actions],
      ...(options.urgency ? { urgency: options.urgency } : {}),
      ...(options.timeoutType ? { timeoutType: options.timeoutType } : {}),
    });
    shown.on('action', (_event, index) => events.onAction(index));
    shown.on('click', () => {
      showWindow();
      events.onClick();
    });
    shown.show();
    return shown;
  },
  chosen: (action) => {
    showWindow();
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(CALL_ACTION_CHANNEL, action);
  },
});

function showCallNotification(notice: Parameters<CallNotices['offer']>[0]): void {
  if (mainWindow?.isFocused() || !Notification.isSupported()) return;
  callNotices.offer(notice);
}

/** A desktop notification for a new message, unless the user is looking at Cairn already. */
function showMessageNotification(notification: MessageNotice): void {
  if (mainWindow?.isFocused() || !Notification.isSupported()) return;
  notifier.offer(notification);
}

/** Brings the window to the front, or back (macOS keeps running with no window). */
function showWindow(): void {
  if (!mainWindow) {
    if (app.isReady()) openWindowOrReport();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** resources/ as electron-builder's `extraResources` places it, or the checkout's own. */
function resourcesDir(): string {
  return app.isPackaged ? path.join(process.resourcesPath, 'resources') : paths.checkoutResources;
}

/** A file's text, or null when there is none. */
function readOptional(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
    throw error;
  }
}

/** `cairnBuild` that build/releaseSigning.cjs writes into the packaged package.json ('release' or 'unsigned-dev'). */
function cairnBuild(): unknown {
  const text = readOptional(path.join(app.getAppPath(), 'package.json'));
  if (text === null) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null ? Reflect.get(json, 'cairnBuild') : undefined;
  } catch {
    return undefined;
  }
}

async function start(): Promise<void> {
  // Running without the policy IT set would quietly drop what it enforces (machinePolicySources.ts).
  if (policyRead.kind === 'invalid') throw new Error(`This computer's Cairn policy (${policyRead.source}) cannot be used: ${policyRead.reason}`);
  if (policyRead.kind === 'policy') {
    log(`machine policy from ${policyRead.source}: ${Object.keys(policyRead.policy).join(', ') || 'empty'}`);
    if (policyRead.ignored.length > 0) log(`machine policy values this version does not know were ignored: ${policyRead.ignored.join(', ')}`);
  }
  // A build made for one server that cannot read which one does not start (builtInServer.ts).
  if (!servers.ok) throw new Error(`This copy of Cairn was built for one server, but its setting cannot be read: ${servers.reason}`);
  installPermissionHandlers(session.defaultSession, () => callPresence.current);
  installDisplayMediaHandler(session.defaultSession, () => callPresence.current, () => mainWindow, log);
  installNetworkLock(session.defaultSession, log);
  // No developer tools in a packaged build's menu; no dictionary downloads (shellBuild.ts).
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(build)));
  const spellCheck = spellCheckFor(build.platform);
  session.defaultSession.setSpellCheckerEnabled(spellCheck.enabled);
  log(`spell-check: ${spellCheck.reason}`);
  serveAppScheme(paths.rendererDir);
  installShellIpc(() => mainWindow, (id, access, file) => supervisor.grant(id, access, file), log, machinePolicy.files?.openAllowList);
  supervisor.start();
  // The app lock engages at once when the screen locks or the machine sleeps (seed 002).
  powerMonitor.on('lock-screen', () => supervisor.systemLocked());
  powerMonitor.on('suspend', () => supervisor.systemLocked());
  await openWindow();
  updater = startUpdater(planUpdates({ packaged: app.isPackaged, build: cairnBuild(), policy: machinePolicy, releaseKeys: RELEASE_PUBLIC_KEYS }), {
    currentVersion: app.getVersion(),
    releaseKeys: RELEASE_PUBLIC_KEYS,
    log,
    tell: (title, body) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
    askRestart: async (version) => {
      const options = {
        type: 'info' as const,
        message: 'Update ready — restart',
        detail: `Cairn ${version} is downloaded and its signature checked. Restart now to use it, or later: it is offered again.`,
        buttons: ['Restart now', 'Later'],
        defaultId: 0,
        cancelId: 1,
      };
      const answer = mainWindow ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
      return answer.response === 0;
    },
    callActive: () => callPresence.current.active,
  });
}

async function openWindow(): Promise<void> {
  const window = await createMainWindow({
    preloadPath: paths.preload,
    build,
    stateFile: path.join(app.getPath('userData'), WINDOW_STATE_FILE_NAME),
    log,
    onContentsReady: (created) => {
      mainWindow = created;
      created.on('closed', () => {
        mainWindow = undefined;
        callPresence.windowClosed();
      });
      // Looking at Cairn reads its news: the notifications on screen go, the taskbar stops flashing.
      created.on('focus', () => {
        notifier.clear();
        callPresence.windowFocused();
      });
      // Each load (first start, reload) gets a fresh channel; the old one closes with its page.
      created.webContents.on('did-finish-load', () => connectRenderer(created));
      created.webContents.on('render-process-gone', (_event, details) => recoverRenderer(created, details.reason));
    },
  });
  mainWindow = window;
  if (process.env.CAIRN_SMOKE_TEST === '1') runSmokeCheck(window, () => supervisor.openChannel());
}

function openWindowOrReport(): void {
  openWindow().catch((error: unknown) => {
    log(`could not open the window: ${error instanceof Error ? error.message : 'unknown error'}`);
  });
}

/** Hands the page a new port to the core, but only if the top frame shows our own origin. */
function connectRenderer(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  const frame = window.webContents.mainFrame;
  if (!mayReceiveCorePort(frame.url, frame.parent === null)) {
    log('not connecting the core: the window does not show app://cairn');
    return;
  }
  const port = supervisor.openChannel();
  if (port) frame.postMessage(CORE_PORT_CHANNEL, null, [port]);
}

const rendererRestarts: number[] = [];

/** A crashed page leaves an empty window: reload it, within the same bounds as the core. */
function recoverRenderer(window: BrowserWindow, reason: string): void {
  if (reason === 'clean-exit' || window.isDestroyed()) return;
  const decision = decideRestart(rendererRestarts, Date.now());
  if (decision.action === 'give-up') {
    void reportRendererFailure(reason);
    return;
  }
  rendererRestarts.push(Date.now());
  log(`renderer gone (${reason}); reloading, attempt ${decision.attempt}`);
  setTimeout(() => {
    if (!window.isDestroyed()) window.webContents.reload();
  }, decision.delayMs);
}

async function reportRendererFailure(reason: string): Promise<void> {
  log(`renderer keeps failing (${reason})`);
  await showFatalDialog('Cairn’s window stopped responding several times in a row.', '');
}

async function reportCoreFailure(detail: string): Promise<void> {
  log(`core gave up: ${detail}`);
  await showFatalDialog('The part of Cairn that keeps your messages stopped unexpectedly, several times in a row.', detail);
}
