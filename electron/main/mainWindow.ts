/**
 * Creates the one app window from `secureWindowOptions`, restores and saves its geometry,
 * follows the OS theme for the background, and loads the app. Decisions live in the pure
 * modules it calls; this file only wires them to Electron.
 */
import { BrowserWindow, nativeTheme, screen } from 'electron';
import { APP_ENTRY_URL } from './appOrigin';
import type { ShellBuild } from './shellBuild';
import type { ThemeName } from './windowOptions';
import { WINDOW_BACKGROUND, secureWindowOptions } from './windowOptions';
import type { Rect, WindowState } from './windowState';
import { DEFAULT_WINDOW_STATE, clampWindowState } from './windowState';
import { readWindowState, writeWindowState } from './windowStateFile';

export interface MainWindowOptions {
  readonly preloadPath: string;
  readonly stateFile: string;
  readonly build: ShellBuild;
  readonly log: (message: string) => void;
  /** Called before the page loads, so 'did-finish-load' of the first load is not missed. */
  readonly onContentsReady: (window: BrowserWindow) => void;
}

const SAVE_DELAY_MS = 500;

export async function createMainWindow(options: MainWindowOptions): Promise<BrowserWindow> {
  const saved = (await readWindowState(options.stateFile)) ?? DEFAULT_WINDOW_STATE;
  const state = clampWindowState(saved, currentWorkAreas());
  const window = new BrowserWindow(
    secureWindowOptions({ preloadPath: options.preloadPath, theme: currentTheme(), bounds: state, build: options.build }),
  );
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  const onThemeChange = (): void => window.setBackgroundColor(WINDOW_BACKGROUND[currentTheme()]);
  nativeTheme.on('updated', onThemeChange);
  window.on('closed', () => nativeTheme.off('updated', onThemeChange));

  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const save = (): void => {
    if (window.isDestroyed()) return;
    const bounds = window.getNormalBounds();
    const next: WindowState = { ...bounds, maximized: window.isMaximized() };
    writeWindowState(options.stateFile, next).catch(() => options.log('could not save the window position'));
  };
  const saveSoon = (): void => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, SAVE_DELAY_MS);
  };
  window.on('resize', saveSoon);
  window.on('move', saveSoon);
  window.on('close', () => {
    clearTimeout(saveTimer);
    save();
  });

  options.onContentsReady(window);
  await window.loadURL(APP_ENTRY_URL);
  return window;
}

function currentTheme(): ThemeName {
  return nativeTheme.shouldUseDarkColors ? 'dark' : 'light';
}

/** Work areas of the connected displays, primary first (clampWindowState falls back to it). */
function currentWorkAreas(): Rect[] {
  const primary = screen.getPrimaryDisplay();
  const others = screen.getAllDisplays().filter((display) => display.id !== primary.id);
  return [primary, ...others].map((display) => display.workArea);
}
