/**
 * The fingerprint tamper test seam (CoreTestSeams.alterReceivedCallFingerprints): what an
 * attacker who rewrote the signalling would deliver, done consistently so that the core's own
 * check (sdpFingerprint.ts, SDP against field) passes and only the DTLS handshake in the renderer
 * can notice. That is the defence under test: the certificate the peer presents must be the one
 * the E2EE message vouched for (seed 002, "Calling / Encryption"; seed 003).
 *
 * Deterministic (every byte inverted), so an ICE restart of the same call, which must repeat the
 * call's fingerprint, is altered to the same value and still passes the machine's
 * "same certificate" rule.
 */
import type { CallContent, DtlsFingerprint } from '../../../../protocol/content/callSchema';
import { missingCase } from '../../../../protocol/result';

export function alteredFingerprint(fingerprint: DtlsFingerprint): DtlsFingerprint {
  const value = fingerprint.value
    .split(':')
    .map((byte) => (0xff - Number.parseInt(byte, 16)).toString(16).padStart(2, '0').toUpperCase())
    .join(':');
  return { algorithm: fingerprint.algorithm, value };
}

/** The SDP with every `a=fingerprint` line naming `to` instead of what it named. */
export function withSdpFingerprint(sdp: string, to: DtlsFingerprint): string {
  return sdp.replace(/^a=fingerprint:\S+\s+\S+[ \t]*$/gim, `a=fingerprint:${to.algorithm} ${to.value}`);
}

/** A received call message as the seam delivers it: descriptions altered, everything else as it came. */
export function tamperedCallContent(content: CallContent): CallContent {
  switch (content.type) {
    case 'call-setup':
    case 'call-answer':
    case 'call-ice-restart': {
      const fingerprint = alteredFingerprint(content.fingerprint);
      return { ...content, fingerprint, sdp: withSdpFingerprint(content.sdp, fingerprint) };
    }
    case 'call-reject':
    case 'call-cancel':
    case 'call-hangup':
    case 'call-media':
      return content;
    default:
      return missingCase(content);
  }
}
