import { describe, expect, it } from 'vitest';
import { CALL_REFUSALS } from '../../../../electron/core/calls/callTypes';
import { checkSdpFingerprint } from '../../../../electron/core/calls/sdpFingerprint';
import { IPC_ERRORS } from '../../../../electron/core/ipc/errors';
import { alteredFingerprint, tamperedCallContent } from '../../../../electron/core/session/calls/fingerprintTamper';
import { chromiumOffer, randomFingerprint } from '../../../fixtures/calls/chromiumSdp';

const CALL_ID = '6f1c1d2e-8a4b-4c3d-9e2f-0a1b2c3d4e5f';

describe('the fingerprint tamper seam', () => {
  it('names another certificate of the same hash in the field and every SDP line, so only the DTLS handshake can notice', () => {
    const fingerprint = randomFingerprint();
    const sdp = chromiumOffer(fingerprint);
    const altered = tamperedCallContent({ type: 'call-setup', callId: CALL_ID, sdp, fingerprint, media: 'video', cbr: false });
    if (altered.type !== 'call-setup') throw new Error('the type changed');
    expect(altered.fingerprint.algorithm).toBe('sha-256');
    expect(altered.fingerprint.value).not.toBe(fingerprint.value);
    expect(checkSdpFingerprint(altered.sdp, altered.fingerprint).ok).toBe(true);
    expect(altered.sdp.includes(fingerprint.value)).toBe(false);
    expect(altered.sdp.replace(/^a=fingerprint:.*$/gm, '')).toBe(sdp.replace(/^a=fingerprint:.*$/gm, ''));
  });

  it('alters a certificate the same way each time (an ICE restart of the call still names the call’s certificate), and leaves other call messages alone', () => {
    const fingerprint = randomFingerprint();
    expect(alteredFingerprint(fingerprint)).toEqual(alteredFingerprint(fingerprint));
    expect(alteredFingerprint(alteredFingerprint(fingerprint))).toEqual(fingerprint);
    const media = { type: 'call-media', callId: CALL_ID, muted: true, cameraOff: false, sharing: false } as const;
    expect(tamperedCallContent(media)).toBe(media);
  });
});

describe('call refusals', () => {
  it('are in the IPC error table with the machine’s sentences', () => {
    for (const [code, sentence] of Object.entries(CALL_REFUSALS)) expect(IPC_ERRORS).toHaveProperty([code], sentence);
  });
});
