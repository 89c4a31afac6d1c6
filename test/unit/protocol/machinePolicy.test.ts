import { describe, expect, it } from 'vitest';
import { effectiveAlwaysRelay, strictestAppLock } from '../../../protocol/machinePolicy';

const OPEN = { enforced: false, inactivityTimeoutSecs: 60 };

describe('machine policy against the server policy and the user', () => {
  it('enforces the app lock when the machine requires it though the server does not', () => {
    expect(strictestAppLock(OPEN, { appLock: { required: true } })).toEqual({ enforced: true, inactivityTimeoutSecs: 60 });
  });

  it('keeps the shorter limit when both enforce', () => {
    expect(strictestAppLock({ enforced: true, inactivityTimeoutSecs: 600 }, { appLock: { required: true, maxAutoLockSeconds: 120 } })).toEqual({
      enforced: true,
      inactivityTimeoutSecs: 120,
    });
    expect(strictestAppLock({ enforced: true, inactivityTimeoutSecs: 30 }, { appLock: { required: true, maxAutoLockSeconds: 120 } })).toEqual({
      enforced: true,
      inactivityTimeoutSecs: 30,
    });
  });

  it('caps an enforcing server’s time with the machine’s limit even when the machine does not require the lock', () => {
    expect(strictestAppLock({ enforced: true, inactivityTimeoutSecs: 600 }, { appLock: { maxAutoLockSeconds: 90 } })).toEqual({ enforced: true, inactivityTimeoutSecs: 90 });
  });

  it('cannot lift the server’s enforcement', () => {
    expect(strictestAppLock({ enforced: true, inactivityTimeoutSecs: 60 }, { appLock: { required: false } })).toEqual({ enforced: true, inactivityTimeoutSecs: 60 });
  });

  it('uses the machine’s limit as the default time while nothing enforces the lock', () => {
    expect(strictestAppLock(OPEN, { appLock: { maxAutoLockSeconds: 300 } })).toEqual({ enforced: false, inactivityTimeoutSecs: 300 });
    expect(strictestAppLock(OPEN, {})).toEqual(OPEN);
  });

  it('relays calls when the machine requires it, whatever the user chose', () => {
    expect(effectiveAlwaysRelay(false, { calls: { alwaysRelay: true } })).toBe(true);
    expect(effectiveAlwaysRelay(true, { calls: { alwaysRelay: false } })).toBe(true);
    expect(effectiveAlwaysRelay(false, {})).toBe(false);
  });
});
