import { describe, expect, it } from 'vitest';
import type { DisplayMediaQuery } from '../../../electron/main/displayMediaPolicy';
import { MAX_WINDOW_CHOICES, chosenSource, decideDisplayMedia, displayPicker } from '../../../electron/main/displayMediaPolicy';

const share: DisplayMediaQuery = {
  securityOrigin: 'app://cairn',
  frame: { url: 'app://cairn/index.html', isMainFrame: true },
  videoRequested: true,
  userGesture: true,
  call: { active: true, ringing: false },
};

describe('screen sharing', () => {
  it('asks the user which screen or window to share when our page asks from a click during a call', () => {
    expect(decideDisplayMedia(share)).toEqual({ kind: 'ask-user' });
  });

  it('shows no picker outside a call or while a call only rings here', () => {
    expect(decideDisplayMedia({ ...share, call: { active: false, ringing: false } })).toEqual({
      kind: 'deny',
      reason: 'screen sharing is only available in a call this device is in',
    });
    expect(decideDisplayMedia({ ...share, call: { active: true, ringing: true } }).kind).toBe('deny');
  });

  it('shows no picker for another origin, a sub-frame, a frame that went away, a script without a click, or a share without video', () => {
    const denied = (query: Partial<DisplayMediaQuery>): string => {
      const decision = decideDisplayMedia({ ...share, ...query });
      return decision.kind === 'deny' ? decision.reason : 'asked';
    };
    expect(denied({ securityOrigin: 'https://evil.example' })).toBe('request from another origin');
    expect(denied({ frame: { url: 'https://evil.example/', isMainFrame: true } })).toBe('request from another origin');
    expect(denied({ frame: null })).toBe('request from another origin');
    expect(denied({ frame: { url: 'app://cairn/index.html', isMainFrame: false } })).toBe('request from a sub-frame');
    expect(denied({ userGesture: false })).toBe('screen sharing must start from a click');
    expect(denied({ videoRequested: false })).toBe('a share without video');
  });

  it('offers every screen, then windows by title, then Cancel, and maps the pressed button back to its source', () => {
    const picker = displayPicker([
      { id: 'window:7:0', name: 'Quarterly report.ods' },
      { id: 'screen:0:0', name: 'Screen 1' },
      { id: 'screen:1:0', name: 'Screen 2' },
      { id: 'window:9:0', name: '   ' },
    ]);
    expect(picker.buttons).toEqual(['Entire screen 1', 'Entire screen 2', 'Window: Quarterly report.ods', 'Cancel']);
    expect(picker.cancelId).toBe(3);
    expect(chosenSource(picker, 0)).toBe('screen:0:0');
    expect(chosenSource(picker, 2)).toBe('window:7:0');
    expect(chosenSource(picker, picker.cancelId)).toBeNull();
    expect(chosenSource(picker, 99)).toBeNull();
  });

  it('keeps the list short enough for a screen: one screen is "Entire screen", long titles are cut, windows are bounded', () => {
    const windows = Array.from({ length: 30 }, (_, index) => ({ id: `window:${index}:0`, name: `${'Long title '.repeat(10)}${index}` }));
    const picker = displayPicker([{ id: 'screen:0:0', name: 'Entire Screen' }, ...windows]);
    expect(picker.buttons[0]).toBe('Entire screen');
    expect(picker.buttons).toHaveLength(1 + MAX_WINDOW_CHOICES + 1);
    expect(Math.max(...picker.buttons.map((label) => label.length))).toBeLessThanOrEqual('Window: '.length + 70);
    expect(picker.buttons[1]).toMatch(/…$/);
  });

  it('says how to allow screen recording when no source can be seen', () => {
    const picker = displayPicker([]);
    expect(picker.buttons).toEqual(['Cancel']);
    expect(picker.detail).toContain('Screen Recording');
  });
});
