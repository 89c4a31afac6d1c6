import { describe, expect, it } from 'vitest';
import { gradeQuality, summarizeStats } from '../../../../renderer/calls/callQuality';
import { decodeChannelMessage, encodeChannelMessage } from '../../../../renderer/calls/callMessages';

describe('call quality grade', () => {
  it('is unknown before anything was measured', () => {
    expect(gradeQuality({ roundTripTime: null, packetsReceived: 0, packetsLost: 0 })).toBe('unknown');
  });

  it('grades by round-trip time and loss, the worse of the two deciding', () => {
    expect(gradeQuality({ roundTripTime: 0.05, packetsReceived: 1000, packetsLost: 5 })).toBe('good');
    expect(gradeQuality({ roundTripTime: 0.5, packetsReceived: 1000, packetsLost: 5 })).toBe('fair');
    expect(gradeQuality({ roundTripTime: 0.05, packetsReceived: 950, packetsLost: 50 })).toBe('fair');
    expect(gradeQuality({ roundTripTime: 1.2, packetsReceived: 1000, packetsLost: 0 })).toBe('poor');
    expect(gradeQuality({ roundTripTime: 0.05, packetsReceived: 800, packetsLost: 200 })).toBe('poor');
  });

  it('reads audio level, the nominated pair\'s round-trip time and inbound loss from a stats report', () => {
    const report = new Map<string, Record<string, unknown>>([
      ['a', { type: 'inbound-rtp', kind: 'audio', packetsReceived: 500, packetsLost: 2, audioLevel: 0.25 }],
      ['v', { type: 'inbound-rtp', kind: 'video', packetsReceived: 1500, packetsLost: 8 }],
      ['p1', { type: 'candidate-pair', nominated: false, state: 'succeeded', currentRoundTripTime: 2 }],
      ['p2', { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.04 }],
    ]);
    expect(summarizeStats(report)).toEqual({ audioLevel: 0.25, roundTripTime: 0.04, packetsReceived: 2000, packetsLost: 10, grade: 'good' });
  });
});

describe('call data channel messages', () => {
  it('round-trips hang-up and media state', () => {
    expect(decodeChannelMessage(encodeChannelMessage({ type: 'hangup' }))).toEqual({ type: 'hangup' });
    const media = { type: 'media', state: { muted: true, cameraOff: false, sharing: true } } as const;
    expect(decodeChannelMessage(encodeChannelMessage(media))).toEqual(media);
  });

  it('ignores what is not one of ours: bad JSON, unknown types, binary data, oversized text', () => {
    expect(decodeChannelMessage('{')).toBeUndefined();
    expect(decodeChannelMessage('{"type":"transfer"}')).toBeUndefined();
    expect(decodeChannelMessage('{"type":"media","state":{"muted":"yes"}}')).toBeUndefined();
    expect(decodeChannelMessage(new ArrayBuffer(4))).toBeUndefined();
    expect(decodeChannelMessage(`{"type":"hangup","pad":"${'x'.repeat(2000)}"}`)).toBeUndefined();
  });
});
