import { describe, expect, it } from 'vitest';
import { checkSdpFingerprint, sdpFingerprints } from '../../../electron/core/calls/sdpFingerprint';
import { chromiumOffer, randomFingerprint } from '../../fixtures/calls/chromiumSdp';

const fingerprint = randomFingerprint();
const sdp = chromiumOffer(fingerprint);

describe('DTLS fingerprint of an SDP against the one a call message carries', () => {
  it('finds the fingerprint Chromium repeats in every media section', () => {
    expect(sdpFingerprints(sdp)).toEqual([fingerprint, fingerprint, fingerprint]);
  });

  it('accepts an SDP whose certificate is the carried one', () => {
    expect(checkSdpFingerprint(sdp, fingerprint)).toEqual({ ok: true, value: fingerprint });
  });

  it('accepts a session-level fingerprint line, in any letter case and with LF line ends', () => {
    const plain = `v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\nA=FINGERPRINT:SHA-256 ${fingerprint.value.toLowerCase()}\nm=audio 9 UDP/TLS/RTP/SAVPF 111\n`;
    expect(checkSdpFingerprint(plain, fingerprint).ok).toBe(true);
  });

  it('refuses an SDP whose certificate differs from the carried one (one byte changed)', () => {
    const altered = sdp.replaceAll(fingerprint.value, `${fingerprint.value.slice(0, 3)}${fingerprint.value.startsWith('00', 3) ? '01' : '00'}${fingerprint.value.slice(5)}`);
    expect(checkSdpFingerprint(altered, fingerprint)).toMatchObject({ ok: false, error: { code: 'sdp-fingerprint-mismatch' } });
  });

  it('refuses a carried fingerprint that names another certificate than the SDP', () => {
    expect(checkSdpFingerprint(sdp, randomFingerprint())).toMatchObject({
      ok: false,
      error: { code: 'sdp-fingerprint-mismatch', message: 'The call was refused: its encryption certificate does not match the one the other device vouched for.' },
    });
  });

  it('refuses an SDP in which one media section names another certificate', () => {
    const other = randomFingerprint();
    const lines = sdp.split('\r\n');
    const last = lines.findLastIndex((l) => l.startsWith('a=fingerprint:'));
    lines[last] = `a=fingerprint:sha-256 ${other.value}`;
    expect(checkSdpFingerprint(lines.join('\r\n'), fingerprint)).toMatchObject({ ok: false, error: { code: 'sdp-fingerprints-differ' } });
  });

  it('refuses an SDP with no fingerprint at all', () => {
    const stripped = sdp.split('\r\n').filter((l) => !l.startsWith('a=fingerprint:')).join('\r\n');
    expect(checkSdpFingerprint(stripped, fingerprint)).toMatchObject({ ok: false, error: { code: 'sdp-no-fingerprint' } });
  });

  it('refuses an SDP that adds a SHA-1 fingerprint of another certificate beside the right one', () => {
    const extra = sdp.replace('a=setup:actpass', 'a=fingerprint:sha-1 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD\r\na=setup:actpass');
    expect(checkSdpFingerprint(extra, fingerprint)).toMatchObject({ ok: false, error: { code: 'sdp-fingerprints-differ' } });
  });

  it('does not match the same digest under another hash name', () => {
    const renamed = sdp.replaceAll('a=fingerprint:sha-256', 'a=fingerprint:sha-512');
    expect(checkSdpFingerprint(renamed, fingerprint)).toMatchObject({ ok: false, error: { code: 'sdp-fingerprint-mismatch' } });
  });
});
