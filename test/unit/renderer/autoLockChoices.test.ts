import { describe, expect, it } from 'vitest';
import { autoLockChoices, autoLockLabel, durationText } from '../../../renderer/lib/autoLockChoices';

describe('auto-lock choices in settings', () => {
  it('offers the usual times, "only by hand" last, without a policy', () => {
    expect(autoLockChoices(null, 60)).toEqual([60, 300, 900, 3600, 0]);
  });

  it('offers only what an enforcing policy allows, with its own maximum', () => {
    expect(autoLockChoices(300, 300)).toEqual([60, 300]);
    expect(autoLockChoices(120, 120)).toEqual([60, 120]);
    expect(autoLockChoices(30, 30)).toEqual([30]);
  });

  it('always shows the time in force, even one set elsewhere (the CLI)', () => {
    expect(autoLockChoices(null, 45)).toEqual([45, 60, 300, 900, 3600, 0]);
  });

  it('reads as plain English', () => {
    expect(autoLockLabel(300)).toBe('5 minutes without use');
    expect(autoLockLabel(120)).toBe('2 minutes without use');
    expect(autoLockLabel(0)).toBe('Only when I lock it or the screen locks');
    expect(durationText(1)).toBe('1 second');
    expect(durationText(45)).toBe('45 seconds');
    expect(durationText(7200)).toBe('2 hours');
  });
});
