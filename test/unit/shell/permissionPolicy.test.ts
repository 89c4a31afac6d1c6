import { describe, expect, it } from 'vitest';
import type { PermissionQuery } from '../../../electron/main/permissionPolicy';
import { decidePermission } from '../../../electron/main/permissionPolicy';

const call: PermissionQuery = {
  permission: 'media',
  requestingUrl: 'app://cairn/index.html',
  isMainFrame: true,
  mediaTypes: ['audio', 'video'],
  call: { active: true, ringing: false },
};
const NO_CALL = { active: false, ringing: false };
const RINGING = { active: true, ringing: true };

const granted = (query: Partial<PermissionQuery>): boolean => decidePermission({ ...call, ...query }).granted;

describe('permission decisions', () => {
  it('grant camera and microphone to our window during a call', () => {
    expect(granted({})).toBe(true);
    expect(granted({ mediaTypes: ['audio'] })).toBe(true);
    expect(granted({ mediaTypes: ['video'] })).toBe(true);
  });

  it('answer permission checks, which carry an origin instead of a URL, the same way', () => {
    expect(granted({ requestingUrl: 'app://cairn', mediaTypes: ['video'] })).toBe(true);
  });

  it('refuse camera and microphone when no call is active', () => {
    expect(decidePermission({ ...call, call: NO_CALL })).toEqual({
      granted: false,
      reason: 'camera and microphone are only available during a call',
    });
  });

  it('refuse media requests that are not plainly camera or microphone', () => {
    expect(granted({ mediaTypes: [] })).toBe(false);
    expect(granted({ mediaTypes: ['audio', 'unknown'] })).toBe(false);
  });

  it('refuse any request from another origin or from a sub-frame, even during a call', () => {
    for (const requestingUrl of ['https://evil.example/', 'app://evil/index.html', 'file:///x.html', 'null', '']) {
      expect(granted({ requestingUrl })).toBe(false);
    }
    expect(granted({ isMainFrame: false })).toBe(false);
    expect(granted({ permission: 'clipboard-sanitized-write', requestingUrl: 'https://evil.example/' })).toBe(false);
  });

  it.each([
    'notifications',
    'geolocation',
    'clipboard-read',
    'fullscreen',
    'openExternal',
    'midi',
    'midiSysex',
    'pointerLock',
    'keyboardLock',
    'hid',
    'serial',
    'usb',
    'fileSystem',
    'mediaKeySystem',
    'idle-detection',
    'storage-access',
    'window-management',
    'unknown',
  ])('never grant %s, in or out of a call', (permission) => {
    expect(granted({ permission })).toBe(false);
    expect(granted({ permission, call: NO_CALL })).toBe(false);
    expect(granted({ permission, call: RINGING })).toBe(false);
  });

  it('let our window write sanitised text to the clipboard, for copy actions', () => {
    expect(granted({ permission: 'clipboard-sanitized-write', call: NO_CALL, mediaTypes: [] })).toBe(true);
  });

  it('grant camera and microphone while a call rings here, so the answer can carry them', () => {
    expect(granted({ call: RINGING })).toBe(true);
  });

  it('grant screen sharing only in a call this device is in: not outside a call, not while it only rings', () => {
    const share = { permission: 'display-capture', mediaTypes: [] };
    expect(decidePermission({ ...call, ...share })).toEqual({ granted: true, reason: 'screen sharing during a call, source chosen in the shell' });
    expect(decidePermission({ ...call, ...share, call: NO_CALL }).granted).toBe(false);
    expect(decidePermission({ ...call, ...share, call: RINGING })).toEqual({
      granted: false,
      reason: 'screen sharing is only available in a call this device is in',
    });
    expect(granted({ ...share, requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(granted({ ...share, isMainFrame: false })).toBe(false);
  });
});
