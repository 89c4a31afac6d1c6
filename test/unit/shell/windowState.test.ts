import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN_WINDOW_SIZE } from '../../../electron/main/windowOptions';
import type { Rect } from '../../../electron/main/windowState';
import { DEFAULT_WINDOW_STATE, clampWindowState, parseWindowState } from '../../../electron/main/windowState';
import { readWindowState, writeWindowState } from '../../../electron/main/windowStateFile';

const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 };
const rightMonitor: Rect = { x: 1440, y: 0, width: 2560, height: 1415 };

describe('window state clamping', () => {
  it('keeps a window that is fully on a connected display as it was', () => {
    const state = { x: 100, y: 50, width: 1000, height: 700, maximized: false };
    expect(clampWindowState(state, [laptop, rightMonitor])).toEqual(state);
  });

  it('keeps a window on a secondary display', () => {
    const state = { x: 2000, y: 100, width: 1200, height: 800, maximized: true };
    expect(clampWindowState(state, [laptop, rightMonitor])).toEqual(state);
  });

  it('lets the OS centre a window whose monitor was unplugged', () => {
    const state = { x: 2000, y: 100, width: 1200, height: 800, maximized: false };
    expect(clampWindowState(state, [laptop])).toEqual({ width: 1200, height: 800, maximized: false });
  });

  it('pulls a window hanging off the edge back onto the display', () => {
    const clamped = clampWindowState({ x: 1300, y: -40, width: 1000, height: 700, maximized: false }, [laptop]);
    expect(clamped).toEqual({ x: 440, y: 0, width: 1000, height: 700, maximized: false });
  });

  it('shrinks a window larger than the display and grows one below the minimum size', () => {
    expect(clampWindowState({ width: 5000, height: 3000, maximized: false }, [laptop])).toEqual({
      width: 1440,
      height: 875,
      maximized: false,
    });
    expect(clampWindowState({ width: 10, height: 10, maximized: false }, [laptop])).toEqual({
      width: MIN_WINDOW_SIZE.width,
      height: MIN_WINDOW_SIZE.height,
      maximized: false,
    });
  });

  it('never asks for more than a display smaller than the minimum size can show', () => {
    const tiny: Rect = { x: 0, y: 0, width: 640, height: 480 };
    expect(clampWindowState(DEFAULT_WINDOW_STATE, [tiny])).toMatchObject({ width: 640, height: 480 });
  });
});

describe('window state parsing', () => {
  it('accepts a saved state and ignores unknown fields', () => {
    expect(parseWindowState({ x: 1, y: 2, width: 800, height: 600, maximized: true, extra: 1 })).toEqual({
      x: 1,
      y: 2,
      width: 800,
      height: 600,
      maximized: true,
    });
  });

  it.each([null, 'text', 42, [], {}, { width: '800', height: 600 }, { width: 800, height: -1 }, { width: 1e9, height: 600 }, { width: 800.5, height: 600 }])(
    'rejects %j',
    (value) => {
      expect(parseWindowState(value)).toBeUndefined();
    },
  );

  it('drops a position with only one coordinate', () => {
    expect(parseWindowState({ x: 5, width: 800, height: 600 })).toEqual({ width: 800, height: 600, maximized: false });
  });
});

describe('window state file', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cairn-window-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('remembers bounds and the maximized flag across a restart', async () => {
    const file = path.join(dir, 'window-state.json');
    const state = { x: 30, y: 40, width: 1000, height: 700, maximized: true };
    await writeWindowState(file, state);
    expect(await readWindowState(file)).toEqual(state);
  });

  it('starts with defaults when the file is missing, corrupt, truncated or huge', async () => {
    const file = path.join(dir, 'window-state.json');
    expect(await readWindowState(file)).toBeUndefined();
    for (const content of ['{"width": 1000, "hei', '\u0000\u0001garbage', '[]', `{"width":1000,"height":700,"pad":"${'x'.repeat(5000)}"}`]) {
      await writeFile(file, content);
      expect(await readWindowState(file)).toBeUndefined();
    }
    expect(await readWindowState(dir)).toBeUndefined();
  });

  it('replaces the file whole, leaving no temporary file behind', async () => {
    const file = path.join(dir, 'window-state.json');
    await writeWindowState(file, { width: 900, height: 600, maximized: false });
    await writeWindowState(file, { width: 901, height: 601, maximized: false });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ width: 901, height: 601, maximized: false });
    expect(await readdir(dir)).toEqual(['window-state.json']);
  });
});
