import { describe, expect, it } from 'vitest';
import { durationWords, effectiveAutoLockSeconds } from '../../../electron/core/services/appLock';
import { parsePolicy } from '../../../server/policy/policyFile';

describe('auto-lock time under a server policy', () => {
  const free = { enforced: false, inactivityTimeoutSecs: 300 };
  const strict = { enforced: true, inactivityTimeoutSecs: 300 };

  it("is the user's choice without enforcement, and the policy's timeout when they never chose", () => {
    expect(effectiveAutoLockSeconds(3600, free)).toBe(3600);
    expect(effectiveAutoLockSeconds(0, free)).toBe(0);
    expect(effectiveAutoLockSeconds(undefined, free)).toBe(300);
  });

  it('is never longer than an enforcing policy allows, and "only by hand" counts as longer', () => {
    expect(effectiveAutoLockSeconds(60, strict)).toBe(60);
    expect(effectiveAutoLockSeconds(3600, strict)).toBe(300);
    expect(effectiveAutoLockSeconds(0, strict)).toBe(300);
    expect(effectiveAutoLockSeconds(undefined, strict)).toBe(300);
  });

  it('names durations in words', () => {
    expect(durationWords(1)).toBe('1 second');
    expect(durationWords(90)).toBe('90 seconds');
    expect(durationWords(60)).toBe('1 minute');
    expect(durationWords(900)).toBe('15 minutes');
    expect(durationWords(7200)).toBe('2 hours');
  });
});

describe('the server policy file', () => {
  it('accepts the documented form and fills in the default timeout', () => {
    expect(parsePolicy('p.json', '{ "appLock": { "enforced": true, "inactivityTimeoutSecs": 30 } }')).toEqual({
      ok: true,
      value: { appLock: { enforced: true, inactivityTimeoutSecs: 30 } },
    });
    expect(parsePolicy('p.json', '{ "appLock": { "enforced": true } }')).toMatchObject({ ok: true, value: { appLock: { inactivityTimeoutSecs: 60 } } });
    expect(parsePolicy('p.json', '{}')).toMatchObject({ ok: true, value: { appLock: { enforced: false, inactivityTimeoutSecs: 60 } } });
  });

  it('refuses unknown keys, wrong types and timeouts out of range', () => {
    for (const text of [
      '{ "appLock": { "enforced": true, "timeout": 30 } }',
      '{ "appLock": { "enforced": 1 } }',
      '{ "appLock": { "enforced": true, "inactivityTimeoutSecs": 86401 } }',
      '{ "appLock": { "enforced": true, "inactivityTimeoutSecs": 1.5 } }',
      '[]',
      '',
    ]) {
      expect(parsePolicy('p.json', text), text).toMatchObject({ ok: false, error: { code: 'policy-invalid' } });
    }
  });
});
