import { describe, expect, it } from 'vitest';
import { conferenceEndedText, conferenceStartedText } from '../../../../electron/core/calls/conference/conferenceHistory';

describe('the history lines of a group call', () => {
  it('says who started it, from this device’s side', () => {
    expect(conferenceStartedText(undefined)).toBe('You started a group call.');
    expect(conferenceStartedText('Alice')).toBe('Alice started a group call.');
  });

  it('gives the duration when the start is known, and claims none otherwise', () => {
    expect(conferenceEndedText(83_000)).toBe('Group call ended, 1:23.');
    expect(conferenceEndedText(undefined)).toBe('Group call ended.');
  });
});
