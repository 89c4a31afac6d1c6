/**
 * The options of the one app window. Kept pure (a type-only import of Electron, erased at
 * build time) so the unit tests can assert every security flag without an Electron binary;
 * `satisfies` lets the compiler check each name against electron.d.ts, so a misspelt flag
 * fails the type-check instead of silently falling back to an insecure default.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import type { ShellBuild } from './shellBuild';
import { devToolsAllowed, spellCheckFor } from './shellBuild';

export type ThemeName = 'light' | 'dark';

export const DEFAULT_WINDOW_SIZE = { width: 1100, height: 760 } as const;
export const MIN_WINDOW_SIZE = { width: 720, height: 520 } as const;

/**
 * Must equal `--bg` in renderer/styles/global.css (a unit test checks), so the window shows
 * no flash of another colour before the first paint.
 */
export const WINDOW_BACKGROUND: Readonly<Record<ThemeName, string>> = {
  light: '#f4f5f4',
  dark: '#101413',
};

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload (`dist/electron/preload.cjs`). */
  readonly preloadPath: string;
  readonly theme: ThemeName;
  /** Restored bounds; position omitted means "let the OS centre it". */
  readonly bounds: Readonly<{ x?: number; y?: number; width: number; height: number }>;
  /** Packaged or development, and the OS: developer tools and the spell-checker depend on them (shellBuild.ts). */
  readonly build: ShellBuild;
}

export function secureWindowOptions(input: WindowOptionsInput) {
  return {
    width: input.bounds.width,
    height: input.bounds.height,
    ...(input.bounds.x !== undefined && input.bounds.y !== undefined ? { x: input.bounds.x, y: input.bounds.y } : {}),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Cairn',
    backgroundColor: WINDOW_BACKGROUND[input.theme],
    // Shown on 'ready-to-show' so the user never sees an empty frame.
    show: false,
    webPreferences: {
      preload: input.preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      // shellBuild.ts: the OS spell-checker where there is one; never a dictionary download.
      spellcheck: spellCheckFor(input.build.platform).enabled,
      // Packaged builds have no developer tools at all; development runs keep them.
      devTools: devToolsAllowed(input.build),
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      autoplayPolicy: 'user-gesture-required',
    },
  } as const satisfies BrowserWindowConstructorOptions;
}
