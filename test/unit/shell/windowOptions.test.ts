import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { appMenuTemplate } from '../../../electron/main/appMenu';
import { devToolsAllowed, spellCheckFor } from '../../../electron/main/shellBuild';
import { MIN_WINDOW_SIZE, WINDOW_BACKGROUND, secureWindowOptions } from '../../../electron/main/windowOptions';

const packagedMac = { packaged: true, platform: 'darwin' } as const;
const base = { preloadPath: '/app/dist/electron/preload.cjs', theme: 'light', bounds: { width: 1000, height: 700 }, build: packagedMac } as const;

/** Every role anywhere in a menu template, submenus included. */
function roles(items: readonly MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [...(item.role ? [item.role] : []), ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])]);
}

describe('secure window options', () => {
  it('turn on every isolation flag and off every Node or web escape hatch', () => {
    const prefs = secureWindowOptions(base).webPreferences;
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      spellcheck: true,
      devTools: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
  });

  it('load only the bundled preload', () => {
    expect(secureWindowOptions(base).webPreferences.preload).toBe('/app/dist/electron/preload.cjs');
  });

  it('never enable blink features, remote modules or insecure content by some other name', () => {
    const prefs: Record<string, unknown> = { ...secureWindowOptions(base).webPreferences };
    for (const risky of ['enableBlinkFeatures', 'enableRemoteModule', 'nodeIntegrationInWorker', 'plugins']) {
      expect(prefs[risky] === undefined || prefs[risky] === false || prefs[risky] === '').toBe(true);
    }
  });

  it('paint the theme background before the page so dark mode does not flash white', () => {
    expect(secureWindowOptions({ ...base, theme: 'dark' }).backgroundColor).toBe(WINDOW_BACKGROUND.dark);
    expect(secureWindowOptions(base).backgroundColor).toBe(WINDOW_BACKGROUND.light);
    expect(WINDOW_BACKGROUND.dark).not.toBe(WINDOW_BACKGROUND.light);
  });

  it('keep a usable minimum size and restore a saved position only when both coordinates exist', () => {
    const options = secureWindowOptions({ ...base, bounds: { x: 10, y: 20, width: 900, height: 600 } });
    expect(options).toMatchObject({ x: 10, y: 20, width: 900, height: 600 });
    expect(options.minWidth).toBe(MIN_WINDOW_SIZE.width);
    expect(options.minHeight).toBe(MIN_WINDOW_SIZE.height);
    expect(secureWindowOptions(base)).not.toHaveProperty('x');
  });

  it('start hidden so the user never sees an empty window', () => {
    expect(secureWindowOptions(base).show).toBe(false);
  });
});

describe('packaged builds and development runs', () => {
  it('take developer tools out of packaged builds, window and menu alike, and keep them in development', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const packaged = { packaged: true, platform };
      const development = { packaged: false, platform };
      expect(devToolsAllowed(packaged)).toBe(false);
      expect(secureWindowOptions({ ...base, build: packaged }).webPreferences.devTools).toBe(false);
      expect(roles(appMenuTemplate(packaged))).not.toContain('toggleDevTools');
      expect(roles(appMenuTemplate(packaged))).not.toContain('forceReload');
      expect(roles(appMenuTemplate(packaged))).toContain('editMenu');

      expect(secureWindowOptions({ ...base, build: development }).webPreferences.devTools).toBe(true);
      expect(roles(appMenuTemplate(development))).toContain('toggleDevTools');
    }
    expect(roles(appMenuTemplate(packagedMac))[0]).toBe('appMenu');
    expect(roles(appMenuTemplate({ packaged: true, platform: 'win32' }))[0]).toBe('fileMenu');
  });

  it('spell-check with the OS checker on macOS and Windows, and not at all where dictionaries would be downloaded', () => {
    expect(spellCheckFor('darwin')).toMatchObject({ enabled: true, checker: 'os' });
    expect(spellCheckFor('win32')).toMatchObject({ enabled: true, checker: 'os' });
    for (const platform of ['linux', 'freebsd', 'openbsd'] as const) {
      expect(spellCheckFor(platform)).toMatchObject({ enabled: false, checker: 'none' });
      expect(secureWindowOptions({ ...base, build: { packaged: true, platform } }).webPreferences.spellcheck).toBe(false);
    }
    expect(secureWindowOptions({ ...base, build: { packaged: true, platform: 'win32' } }).webPreferences.spellcheck).toBe(true);
  });
});
