import { describe, expect, it } from 'vitest';
import { verifyDescription } from '../../../../renderer/calls/signedDescription';

const FINGERPRINT = 'E7:3B:41:0D:9A:62:5C:88:10:2F:AB:CD:EF:01:23:45:67:89:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34';
const OTHER = FINGERPRINT.replace(/^E7/, '00');

function sdp(lines: readonly string[]): string {
  return ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', ...lines, 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=rtpmap:111 opus/48000/2', ''].join('\r\n');
}

describe('a description with the fingerprint the MLS message carried', () => {
  it('is accepted when the SDP commits to that fingerprint (case of the hex does not matter)', () => {
    const text = sdp([`a=fingerprint:sha-256 ${FINGERPRINT.toLowerCase()}`]);
    expect(verifyDescription({ sdp: text, fingerprint: { algorithm: 'sha-256', value: FINGERPRINT } })).toEqual({ ok: true, value: text });
  });

  it('is refused when the SDP names another certificate than the message', () => {
    const result = verifyDescription({ sdp: sdp([`a=fingerprint:sha-256 ${OTHER}`]), fingerprint: { algorithm: 'sha-256', value: FINGERPRINT } });
    expect(result).toMatchObject({ ok: false, error: { code: 'call.fingerprint-mismatch' } });
  });

  it('is refused when the SDP has no fingerprint, two different ones or only a SHA-1 one', () => {
    const fingerprint = { algorithm: 'sha-256', value: FINGERPRINT } as const;
    for (const lines of [[], [`a=fingerprint:sha-256 ${FINGERPRINT}`, `a=fingerprint:sha-256 ${OTHER}`], ['a=fingerprint:sha-1 E7:3B:41:0D:9A:62:5C:88:10:2F:AB:CD:EF:01:23:45:67:89:9A:BC']]) {
      expect(verifyDescription({ sdp: sdp(lines), fingerprint })).toMatchObject({ ok: false, error: { code: 'call.fingerprint-invalid' } });
    }
  });
});
