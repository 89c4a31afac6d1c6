import { describe, expect, it } from 'vitest';
import {
  candidateType,
  candidatesOf,
  checkRelayOnly,
  dtlsFingerprint,
  opusPayloadTypes,
  sameFingerprint,
  withOpusConstantBitRate,
} from '../../../../renderer/calls/sdp';

const FINGERPRINT = 'E7:3B:41:0D:9A:62:5C:88:10:2F:AB:CD:EF:01:23:45:67:89:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34';

/** Shaped like Chromium's answers: session-level fingerprint, audio with Opus and RED, video. */
function description(fingerprintLines: readonly string[] = [`a=fingerprint:sha-256 ${FINGERPRINT}`]): string {
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    ...fingerprintLines,
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
    'c=IN IP4 0.0.0.0',
    'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0',
    'a=mid:0',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'a=mid:1',
    'a=rtpmap:96 VP8/90000',
    '',
  ].join('\r\n');
}

describe('Opus constant bit rate', () => {
  it('adds cbr=1;usedtx=0 to the Opus fmtp and keeps its other parameters and every other line', () => {
    const sdp = description();
    const result = withOpusConstantBitRate(sdp);
    if (!result.ok) throw new Error(result.error);
    expect(result.sdp).toContain('a=fmtp:111 minptime=10;useinbandfec=1;cbr=1;usedtx=0\r\n');
    expect(result.sdp).toContain('a=fmtp:63 111/111\r\n');
    expect(result.sdp.replace('a=fmtp:111 minptime=10;useinbandfec=1;cbr=1;usedtx=0', 'a=fmtp:111 minptime=10;useinbandfec=1')).toBe(sdp);
  });

  it('overrides a peer\'s cbr=0 or usedtx=1 instead of adding a second value', () => {
    const sdp = description().replace('minptime=10;useinbandfec=1', 'cbr=0;usedtx=1;stereo=1');
    const result = withOpusConstantBitRate(sdp);
    expect(result.ok && result.sdp).toContain('a=fmtp:111 stereo=1;cbr=1;usedtx=0\r\n');
  });

  it('adds an fmtp line when Opus has none, and is stable when applied twice', () => {
    const sdp = description().replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
    const once = withOpusConstantBitRate(sdp);
    if (!once.ok) throw new Error(once.error);
    expect(once.sdp).toContain('a=rtpmap:111 opus/48000/2\r\na=fmtp:111 cbr=1;usedtx=0\r\n');
    const twice = withOpusConstantBitRate(once.sdp);
    expect(twice.ok && twice.sdp).toBe(once.sdp);
  });

  it('says so when a description offers no Opus', () => {
    const sdp = description().replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 PCMU/8000');
    expect(opusPayloadTypes(sdp)).toEqual([]);
    expect(withOpusConstantBitRate(sdp)).toEqual({ ok: false, error: 'no-opus' });
  });
});

describe('DTLS fingerprint', () => {
  it('extracts the one fingerprint in upper case with its hash name', () => {
    expect(dtlsFingerprint(description())).toEqual({ ok: true, fingerprint: { algorithm: 'sha-256', value: FINGERPRINT } });
  });

  it('accepts the same fingerprint repeated per media section, in either case', () => {
    const lower = `a=fingerprint:SHA-256 ${FINGERPRINT.toLowerCase()}`;
    expect(dtlsFingerprint(description([lower, `a=fingerprint:sha-256 ${FINGERPRINT}`]))).toEqual({
      ok: true,
      fingerprint: { algorithm: 'sha-256', value: FINGERPRINT },
    });
  });

  it('refuses a description with none, two different ones, a malformed one or a SHA-1 one', () => {
    const other = FINGERPRINT.replace(/^E7/, '00');
    expect(dtlsFingerprint(description([]))).toEqual({ ok: false, error: 'missing' });
    expect(dtlsFingerprint(description([`a=fingerprint:sha-256 ${FINGERPRINT}`, `a=fingerprint:sha-256 ${other}`]))).toEqual({
      ok: false,
      error: 'conflicting',
    });
    expect(dtlsFingerprint(description([`a=fingerprint:sha-256 ${FINGERPRINT.slice(3)}`]))).toEqual({ ok: false, error: 'malformed' });
    expect(dtlsFingerprint(description(['a=fingerprint:sha-256 E7:3B:4'])).ok).toBe(false);
    expect(dtlsFingerprint(description(['a=fingerprint:sha-1 E7:3B:41:0D:9A:62:5C:88:10:2F:AB:CD:EF:01:23:45:67:89:9A:BC']))).toEqual({
      ok: false,
      error: 'weak-hash',
    });
  });

  it('compares fingerprints regardless of case', () => {
    expect(sameFingerprint({ algorithm: 'sha-256', value: FINGERPRINT }, { algorithm: 'SHA-256', value: FINGERPRINT.toLowerCase() })).toBe(true);
    expect(sameFingerprint({ algorithm: 'sha-256', value: FINGERPRINT }, { algorithm: 'sha-256', value: FINGERPRINT.replace(/34$/, '35') })).toBe(false);
  });
});

describe('relay-only check', () => {
  const relay = 'candidate:3 1 udp 41885695 127.0.0.1 49170 typ relay raddr 0.0.0.0 rport 0 generation 0';
  const host = 'candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host generation 0';
  const srflx = 'a=candidate:2 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 192.168.1.20 rport 50000';

  it('reads the candidate type from SDP lines and from RTCIceCandidate strings', () => {
    expect(candidateType(relay)).toBe('relay');
    expect(candidateType(host)).toBe('host');
    expect(candidateType(srflx)).toBe('srflx');
    expect(candidateType('candidate:garbage')).toBeUndefined();
    expect(candidatesOf(description())).toEqual(['a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0']);
  });

  it('passes only a non-empty list of relay candidates and names the ones that would reveal an address', () => {
    expect(checkRelayOnly([relay, `a=${relay}`])).toEqual({ ok: true, count: 2 });
    expect(checkRelayOnly([relay, host, srflx])).toEqual({ ok: false, error: 'not-relay', offending: [host, srflx] });
    expect(checkRelayOnly([relay, 'candidate:x 1 udp'])).toEqual({ ok: false, error: 'not-relay', offending: ['candidate:x 1 udp'] });
    expect(checkRelayOnly([])).toEqual({ ok: false, error: 'no-candidates', offending: [] });
  });
});
