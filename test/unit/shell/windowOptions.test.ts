import { describe, expect, it } from 'vitest';
import { MIN_WINDOW_SIZE, WINDOW_BACKGROUND, secureWindowOptions } from '../../../electron/main/windowOptions';

const base = { preloadPath: '/app/dist/electron/preload.cjs', theme: 'light', bounds: { width: 1000, height: 700 } } as const;

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
