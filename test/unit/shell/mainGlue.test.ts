/**
 * Drives the built shell (dist/electron/main.cjs) against a stand-in `electron` module. It is
 * not Electron, but it runs the real glue: lifecycle, window creation, app:// handler, guards,
 * permission and network locks, core supervision and port delivery. What it cannot show is
 * Chromium's side of each call; the release workflow's smoke run covers that.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleElectron } from '../../../build/bundle';

function invoke(fn: unknown, ...args: unknown[]): unknown {
  if (typeof fn !== 'function') throw new Error('not a function');
  return Reflect.apply(fn, undefined, args);
}

class FakeEmitter {
  readonly listeners = new Map<string, unknown[]>();
  on(event: string, listener: unknown): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: unknown): this {
    return this.on(event, listener);
  }
  off(event: string, listener: unknown): this {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) invoke(listener, ...args);
  }
}

interface Posted {
  readonly channel: string;
  readonly ports: readonly unknown[];
}

class FakeFrame {
  url = '';
  readonly parent = null;
  readonly posted: Posted[] = [];
  postMessage(channel: string, _message: unknown, ports: unknown[] = []): void {
    this.posted.push({ channel, ports });
  }
}

class FakeWebContents extends FakeEmitter {
  readonly mainFrame = new FakeFrame();
  windowOpenHandler: unknown;
  setWindowOpenHandler(handler: unknown): void {
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  reload(): void {
    this.emit('did-finish-load');
  }
}

class FakeChild extends FakeEmitter {
  readonly sent: Array<{ message: unknown; transfer: readonly unknown[] }> = [];
  killed = false;
  constructor(readonly modulePath: string) {
    super();
  }
  postMessage(message: unknown, transfer: unknown[] = []): void {
    this.sent.push({ message, transfer });
    // The core records each file grant and says so (electron/core/hosts/shellGrants.ts).
    if (typeof message === 'object' && message !== null && Reflect.get(message, 'kind') === 'grant') {
      const id: unknown = Reflect.get(message, 'id');
      queueMicrotask(() => this.emit('message', { kind: 'granted', id, ok: true }));
    }
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
}

function fakeElectron(userData: string) {
  const privileged: unknown[] = [];
  const openedExternally: string[] = [];
  const windows: FakeWindow[] = [];
  const children: FakeChild[] = [];
  const calls = {
    privileged,
    sandboxEnabled: false,
    quit: 0,
    openedExternally,
    windows,
    children,
    handlers: new Map<string, unknown>(),
    notifications: [] as Array<{ title: string; body: string }>,
    /** The notification objects shown, to click on. */
    shownNotifications: [] as FakeEmitter[],
    notificationsClosed: 0,
    ipc: new Map<string, unknown>(),
    dialogs: [] as unknown[],
    dialogAnswers: { open: [] as string[], save: '' },
    openedPaths: [] as string[],
    shownInFolder: [] as string[],
    menu: [] as unknown[],
    spellCheckerEnabled: [] as boolean[],
    /** Power-save blockers running, by id. */
    blockers: new Set<number>(),
    flashes: [] as boolean[],
    messageBoxes: [] as unknown[],
    messageBoxAnswer: 1,
  };
  const app = new (class extends FakeEmitter {
    readyResolve: () => void = () => undefined;
    readonly ready = new Promise<void>((resolve) => {
      this.readyResolve = resolve;
    });
    // The glue test plays an installed build: no developer tools.
    readonly isPackaged = true;
    requestSingleInstanceLock = () => true;
    enableSandbox = () => {
      calls.sandboxEnabled = true;
    };
    whenReady = () => this.ready;
    isReady = () => true;
    getPath = () => userData;
    getVersion = () => '0.1.0-test';
    setAppUserModelId = () => undefined;
    quit = () => {
      calls.quit += 1;
    };
    exit = () => undefined;
    relaunch = () => undefined;
  })();

  class FakeWindow extends FakeEmitter {
    readonly webContents = new FakeWebContents();
    focused = false;
    constructor(readonly options: unknown) {
      super();
      calls.windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string): Promise<void> {
      this.webContents.mainFrame.url = url;
      this.webContents.emit('did-finish-load');
    }
    maximize(): void {}
    show(): void {}
    focus(): void {
      this.focused = true;
    }
    isFocused(): boolean {
      return this.focused;
    }
    restore(): void {}
    isMinimized(): boolean {
      return false;
    }
    isDestroyed(): boolean {
      return false;
    }
    isMaximized(): boolean {
      return false;
    }
    getNormalBounds() {
      return { x: 0, y: 0, width: 1100, height: 760 };
    }
    setBackgroundColor(): void {}
    flashFrame(on: boolean): void {
      calls.flashes.push(on);
    }
  }

  let channels = 0;
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    MessageChannelMain: class {
      readonly port1: string;
      readonly port2: string;
      constructor() {
        channels += 1;
        this.port1 = `core-end-${channels}`;
        this.port2 = `page-end-${channels}`;
      }
    },
    utilityProcess: {
      fork: (modulePath: string) => {
        const child = new FakeChild(modulePath);
        calls.children.push(child);
        return child;
      },
    },
    Menu: {
      buildFromTemplate: (template: unknown[]) => ({ template }),
      setApplicationMenu: (menu: { template: unknown[] }) => calls.menu.push(...menu.template),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => calls.privileged.push(...schemes),
      handle: (scheme: string, handler: unknown) => calls.handlers.set(`protocol:${scheme}`, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: unknown) => calls.handlers.set('permission-request', handler),
        setPermissionCheckHandler: (handler: unknown) => calls.handlers.set('permission-check', handler),
        setDevicePermissionHandler: (handler: unknown) => calls.handlers.set('device', handler),
        webRequest: { onBeforeRequest: (_filter: unknown, handler: unknown) => calls.handlers.set('before-request', handler) },
        setSpellCheckerEnabled: (enabled: boolean) => calls.spellCheckerEnabled.push(enabled),
        setDisplayMediaRequestHandler: (handler: unknown, options: unknown) => {
          calls.handlers.set('display-media', handler);
          calls.handlers.set('display-media-options', options);
        },
      },
    },
    shell: {
      openExternal: async (url: string) => {
        calls.openedExternally.push(url);
      },
      openPath: async (file: string) => {
        calls.openedPaths.push(file);
        return '';
      },
      showItemInFolder: (file: string) => {
        calls.shownInFolder.push(file);
      },
    },
    ipcMain: {
      handle: (channel: string, handler: unknown) => calls.ipc.set(channel, handler),
    },
    nativeTheme: Object.assign(new FakeEmitter(), { shouldUseDarkColors: false }),
    powerMonitor: new FakeEmitter(),
    powerSaveBlocker: (() => {
      let next = 0;
      return {
        start: (type: string) => {
          if (type !== 'prevent-display-sleep') throw new Error(`unexpected blocker ${type}`);
          next += 1;
          calls.blockers.add(next);
          return next;
        },
        stop: (id: number) => calls.blockers.delete(id),
      };
    })(),
    desktopCapturer: {
      getSources: async () => [
        { id: 'screen:0:0', name: 'Entire Screen' },
        { id: 'window:5:0', name: 'Inbox — Mail' },
      ],
    },
    Notification: class extends FakeEmitter {
      static isSupported(): boolean {
        return true;
      }
      constructor(readonly options: { title: string; body: string }) {
        super();
      }
      show(): void {
        calls.notifications.push(this.options);
        calls.shownNotifications.push(this);
      }
      close(): void {
        calls.notificationsClosed += 1;
      }
    },
    screen: {
      getPrimaryDisplay: () => ({ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
      getAllDisplays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    },
    dialog: {
      showMessageBox: async (...args: unknown[]) => {
        calls.messageBoxes.push(args.at(-1));
        return { response: calls.messageBoxAnswer };
      },
      showOpenDialog: async (...args: unknown[]) => {
        calls.dialogs.push(args.at(-1));
        return { canceled: calls.dialogAnswers.open.length === 0, filePaths: calls.dialogAnswers.open };
      },
      showSaveDialog: async (...args: unknown[]) => {
        calls.dialogs.push(args.at(-1));
        return { canceled: calls.dialogAnswers.save === '', filePath: calls.dialogAnswers.save };
      },
    },
  };
  return { electron, app, calls };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const originalStderrWrite = process.stderr.write;

describe('the built shell against a stand-in electron', () => {
  let base = '';
  let bundleDir = '';
  let fake: ReturnType<typeof fakeElectron>;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'cairn-main-glue-'));
    bundleDir = path.join(base, 'electron');
    await bundleElectron(bundleDir);
    await mkdir(path.join(base, 'renderer'), { recursive: true });
    await writeFile(path.join(base, 'renderer', 'index.html'), '<!doctype html><title>Cairn</title>');
    const fakeModuleDir = path.join(bundleDir, 'node_modules', 'electron');
    await mkdir(fakeModuleDir, { recursive: true });
    await writeFile(path.join(fakeModuleDir, 'index.js'), 'module.exports = globalThis.__cairnFakeElectron;\n');
    fake = fakeElectron(path.join(base, 'userData'));
    await mkdir(path.join(base, 'userData'), { recursive: true });
    Reflect.set(globalThis, '__cairnFakeElectron', fake.electron);
    // Electron sets process.resourcesPath in an installed build (this one has no server.json there).
    Reflect.set(process, 'resourcesPath', path.join(base, 'resources'));
    // The shell logs JSON lines to stderr; keep them out of the test report.
    process.stderr.write = () => true;
    createRequire(path.join(bundleDir, 'loader.js'))(path.join(bundleDir, 'main.cjs'));
    fake.app.readyResolve();
    await until(() => fake.calls.windows.length === 1 && fake.calls.children.length === 1, 'window and core');
  });

  afterAll(async () => {
    process.stderr.write = originalStderrWrite;
    Reflect.deleteProperty(globalThis, '__cairnFakeElectron');
    Reflect.deleteProperty(process, 'resourcesPath');
    await rm(base, { recursive: true, force: true });
  });

  it('registers app:// as a privileged standard, secure scheme before ready, and sandboxes every renderer', () => {
    expect(fake.calls.privileged).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
    expect(fake.calls.sandboxEnabled).toBe(true);
  });

  it('opens one secure window with the bundled preload and loads app://cairn', () => {
    const window = fake.calls.windows[0];
    expect(window?.options).toMatchObject({
      webPreferences: { preload: path.join(bundleDir, 'preload.cjs'), sandbox: true, contextIsolation: true, nodeIntegration: false },
    });
    expect(window?.webContents.mainFrame.url).toBe('app://cairn/index.html');
  });

  it('gives an installed build no developer tools, in the window or the menu, and no dictionary downloads', () => {
    expect(fake.calls.windows[0]?.options).toMatchObject({ webPreferences: { devTools: false } });
    expect(fake.calls.menu.length).toBeGreaterThan(0);
    expect(JSON.stringify(fake.calls.menu)).not.toMatch(/toggleDevTools|forceReload/);
    expect(fake.calls.spellCheckerEnabled).toEqual([process.platform === 'darwin' || process.platform === 'win32']);
  });

  it('starts the bundled core in a utility process with the profile folder', () => {
    const child = fake.calls.children[0];
    expect(child?.modulePath).toBe(path.join(bundleDir, 'core.cjs'));
    expect(child?.sent[0]?.message).toMatchObject({
      kind: 'start',
      options: { dataDir: path.join(base, 'userData', 'profile'), appVersion: '0.1.0-test' },
    });
  });

  it('hands the page one end of a fresh channel and the core the other', () => {
    const child = fake.calls.children[0];
    expect(child?.sent[1]).toEqual({ message: { kind: 'attach' }, transfer: ['core-end-1'] });
    expect(fake.calls.windows[0]?.webContents.mainFrame.posted).toEqual([{ channel: 'cairn:port', ports: ['page-end-1'] }]);
  });

  it('serves the renderer with the CSP through the app:// handler', async () => {
    const response = invoke(fake.calls.handlers.get('protocol:app'), { method: 'GET', url: 'app://cairn/' });
    expect(response).toBeInstanceOf(Promise);
    const resolved: unknown = await response;
    expect(resolved).toBeInstanceOf(Response);
    if (resolved instanceof Response) {
      expect(resolved.status).toBe(200);
      expect(resolved.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('grants the camera only once the core reports a call', () => {
    const ask = (): boolean => {
      let granted: boolean | undefined;
      invoke(fake.calls.handlers.get('permission-request'), {}, 'media', (answer: boolean) => (granted = answer), {
        requestingUrl: 'app://cairn/index.html',
        isMainFrame: true,
        mediaTypes: ['video'],
      });
      return granted === true;
    };
    expect(ask()).toBe(false);
    fake.calls.children[0]?.emit('message', { kind: 'call-state', active: true, ringing: false });
    expect(ask()).toBe(true);
    fake.calls.children[0]?.emit('message', { kind: 'call-state', active: false, ringing: false });
    expect(ask()).toBe(false);
    expect(invoke(fake.calls.handlers.get('device'))).toBe(false);
  });

  it('keeps the display awake during a call and flashes the taskbar while it rings, until the window is focused', () => {
    const core = fake.calls.children[0];
    const window = fake.calls.windows[0];
    if (!window) throw new Error('no window');
    window.focused = false;
    core?.emit('message', { kind: 'call-state', active: true, ringing: true });
    expect(fake.calls.blockers.size).toBe(1);
    expect(fake.calls.flashes).toEqual([true]);
    window.emit('focus');
    expect(fake.calls.flashes).toEqual([true, false]);
    core?.emit('message', { kind: 'call-state', active: true, ringing: false });
    expect(fake.calls.blockers.size).toBe(1);
    core?.emit('message', { kind: 'call-state', active: false, ringing: false });
    expect(fake.calls.blockers.size).toBe(0);
    expect(fake.calls.flashes).toEqual([true, false]);
  });

  it('lets the user pick a screen or window in a shell dialog during a call, and shows no picker outside one', async () => {
    const core = fake.calls.children[0];
    const share = (): Promise<unknown> =>
      new Promise((resolve) =>
        invoke(
          fake.calls.handlers.get('display-media'),
          {
            securityOrigin: 'app://cairn',
            frame: { url: 'app://cairn/index.html', parent: null },
            videoRequested: true,
            audioRequested: true,
            userGesture: true,
          },
          resolve,
        ),
      );
    // macOS 15's own picker would bypass the handler and its call check.
    expect(fake.calls.handlers.get('display-media-options')).toEqual({ useSystemPicker: false });
    const boxes = fake.calls.messageBoxes.length;
    // Refused with null: Electron rejects the page's request then (an empty {} would throw in main).
    expect(await share()).toBeNull();
    expect(fake.calls.messageBoxes).toHaveLength(boxes);

    core?.emit('message', { kind: 'call-state', active: true, ringing: false });
    fake.calls.messageBoxAnswer = 1;
    expect(await share()).toEqual({ video: { id: 'window:5:0', name: 'Inbox — Mail' } });
    expect(fake.calls.messageBoxes.at(-1)).toMatchObject({ buttons: ['Entire screen', 'Window: Inbox — Mail', 'Cancel'], cancelId: 2 });
    fake.calls.messageBoxAnswer = 2;
    expect(await share()).toBeNull();
    core?.emit('message', { kind: 'call-state', active: false, ringing: false });
    fake.calls.messageBoxAnswer = 1;
  });

  it('cancels network requests made by the page, and those no page made (dictionary downloads)', () => {
    let cancelled: unknown;
    invoke(fake.calls.handlers.get('before-request'), { url: 'https://example.org/', webContentsId: 1 }, (response: unknown) => (cancelled = response));
    expect(cancelled).toEqual({ cancel: true });
    cancelled = undefined;
    invoke(fake.calls.handlers.get('before-request'), { url: 'https://redirector.gvt1.com/edgedl/chrome/dict/en-us-10-1.bdic' }, (response: unknown) => (cancelled = response));
    expect(cancelled).toEqual({ cancel: true });
  });

  it('opens clicked web links in the OS browser and never opens a window', () => {
    const contents = fake.calls.windows[0]?.webContents;
    let prevented = false;
    contents?.emit('will-navigate', { url: 'https://example.org/', isMainFrame: true, preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(fake.calls.openedExternally).toEqual(['https://example.org/']);
    expect(invoke(contents?.windowOpenHandler, { url: 'app://cairn/index.html' })).toEqual({ action: 'deny' });
  });

  it('focuses the existing window when Cairn is launched again', () => {
    fake.app.emit('second-instance');
    expect(fake.calls.windows[0]?.focused).toBe(true);
  });

  it('restarts a crashed core and reconnects the page to the new one; its ringing call ends in the shell too', async () => {
    const window = fake.calls.windows[0];
    if (window) window.focused = false;
    fake.calls.children[0]?.emit('message', { kind: 'call-state', active: true, ringing: true });
    expect(fake.calls.blockers.size).toBe(1);
    expect(fake.calls.flashes.at(-1)).toBe(true);
    fake.calls.children[0]?.emit('exit', 1);
    expect(fake.calls.blockers.size).toBe(0);
    expect(fake.calls.flashes.at(-1)).toBe(false);
    await until(() => fake.calls.children.length === 2, 'a restarted core');
    expect(fake.calls.children[1]?.sent.map((entry) => entry.message)).toEqual([
      expect.objectContaining({ kind: 'start' }),
      { kind: 'attach' },
    ]);
    expect(fake.calls.windows[0]?.webContents.mainFrame.posted.at(-1)).toEqual({ channel: 'cairn:port', ports: ['page-end-2'] });
  });

  it('tells the core to lock when the screen locks or the computer suspends', () => {
    const core = fake.calls.children[1];
    const powerMonitor = fake.electron.powerMonitor;
    powerMonitor.emit('lock-screen');
    expect(core?.sent.at(-1)?.message).toEqual({ kind: 'system-locked' });
    core?.sent.splice(0);
    powerMonitor.emit('suspend');
    expect(core?.sent.map((entry) => entry.message)).toEqual([{ kind: 'system-locked' }]);
  });

  it('shows a desktop notification for a new message only while Cairn is not focused', () => {
    const core = fake.calls.children[1];
    const window = fake.calls.windows[0];
    if (!window) throw new Error('no window');
    window.focused = true;
    core?.emit('message', { kind: 'notify', conversationId: 'c1', title: 'Bob', body: 'hi' });
    expect(fake.calls.notifications).toEqual([]);
    window.focused = false;
    core?.emit('message', { kind: 'notify', conversationId: 'c1', title: 'Bob', body: 'hi' });
    expect(fake.calls.notifications).toEqual([{ title: 'Bob', body: 'hi' }]);
    // More of a burst wait to be told together (notificationBatcher.test.ts); looking at the
    // window closes what is on screen.
    core?.emit('message', { kind: 'notify', conversationId: 'c1', title: 'Bob', body: 'again' });
    expect(fake.calls.notifications).toHaveLength(1);
    window.emit('focus');
    expect(fake.calls.notificationsClosed).toBe(1);
    // A click on a notification (an incoming call's too: its prompt is in the window) shows Cairn.
    window.focused = false;
    fake.calls.shownNotifications.at(-1)?.emit('click');
    expect(window.focused).toBe(true);
  });

  it('answers the page’s file dialogs with grants the core recorded, opens only files saved through them, and ignores other frames', async () => {
    const ask = (channel: string, frame: { url: string; parent: unknown } | null, ...args: unknown[]): Promise<unknown> =>
      Promise.resolve(invoke(fake.calls.ipc.get(channel), { senderFrame: frame }, ...args));
    const page = { url: 'app://cairn/index.html', parent: null };
    expect([...fake.calls.ipc.keys()].sort()).toEqual([
      'cairn:shell:choose-save-file',
      'cairn:shell:grant-dropped',
      'cairn:shell:open-saved',
      'cairn:shell:pick-files',
      'cairn:shell:show-in-folder',
    ]);
    const core = fake.calls.children.at(-1);
    const grantsSent = (): unknown[] =>
      (core?.sent ?? []).map((s) => s.message).filter((m) => typeof m === 'object' && m !== null && Reflect.get(m, 'kind') === 'grant');
    const grant = expect.stringMatching(/^[A-Za-z0-9_-]{43}$/);

    fake.calls.dialogAnswers.open = ['/home/ada/photo.png', '/home/ada/notes.txt'];
    const picked = await ask('cairn:shell:pick-files', page);
    expect(picked).toEqual([
      { grant, name: 'photo.png' },
      { grant, name: 'notes.txt' },
    ]);
    expect(fake.calls.dialogs.at(-1)).toMatchObject({ properties: ['openFile', 'multiSelections'] });
    // The paths went to the core over its own channel, not to the page.
    expect(grantsSent()).toEqual([
      { kind: 'grant', id: grant, access: 'read', path: '/home/ada/photo.png' },
      { kind: 'grant', id: grant, access: 'read', path: '/home/ada/notes.txt' },
    ]);

    fake.calls.dialogAnswers.save = '/home/ada/Downloads/trail.pdf';
    const saved = await ask('cairn:shell:choose-save-file', page, '../../trail.pdf');
    expect(saved).toEqual({ grant, name: 'trail.pdf' });
    expect(fake.calls.dialogs.at(-1)).toEqual({ title: 'Save file', defaultPath: path.join(base, 'userData', 'trail.pdf') });
    expect(grantsSent().at(-1)).toEqual({ kind: 'grant', id: Reflect.get(saved as object, 'grant'), access: 'write', path: '/home/ada/Downloads/trail.pdf' });

    expect(await ask('cairn:shell:open-saved', page, '/home/ada/Downloads/trail.pdf')).toBe('refused');
    expect(await ask('cairn:shell:open-saved', page, Reflect.get(saved as object, 'grant'))).toBe('opened');
    expect(fake.calls.openedPaths).toEqual(['/home/ada/Downloads/trail.pdf']);

    // A frame that is not our top-level page gets nothing, and no dialog appears.
    const dialogs = fake.calls.dialogs.length;
    expect(await ask('cairn:shell:pick-files', { url: 'https://example.org/', parent: null })).toBeNull();
    expect(await ask('cairn:shell:pick-files', { url: 'app://cairn/index.html', parent: {} })).toBeNull();
    expect(await ask('cairn:shell:grant-dropped', { url: 'https://example.org/', parent: null }, ['/home/ada/.ssh/id_ed25519'])).toBeNull();
    expect(await ask('cairn:shell:open-saved', null, Reflect.get(saved as object, 'grant'))).toBeNull();
    expect(fake.calls.dialogs.length).toBe(dialogs);
    expect(fake.calls.openedPaths).toHaveLength(1);
    expect(grantsSent()).toHaveLength(3);
  });

  it('quits when the last window closes (outside macOS) and shuts the core down', () => {
    fake.app.emit('window-all-closed');
    expect(fake.calls.quit).toBe(1);
    fake.app.emit('before-quit');
    expect(fake.calls.children[1]?.sent.at(-1)?.message).toEqual({ kind: 'shutdown' });
  });
});
