import type { DtlsFingerprint } from '../../../protocol/content/callSchema';
import type { Result } from '../../../protocol/result';
import { err, ok } from '../../../protocol/result';

/*
 * The DTLS fingerprint a call message carries must be the one its SDP makes the browser check.
 * The E2EE message vouches for the fingerprint field (seed 003: that is the whole point of
 * signalling over E2EE), but the peer connection only ever sees the SDP; a setup whose SDP names
 * another certificate than its fingerprint field (a faulty or modified client) would make the
 * identity binding a lie. So the core refuses such a message before the SDP reaches WebRTC.
 */

export const SDP_FINGERPRINT_ERRORS = {
  'sdp-no-fingerprint': 'The call could not be set up: its description names no encryption certificate.',
  'sdp-fingerprints-differ': 'The call could not be set up: its description names more than one encryption certificate.',
  'sdp-fingerprint-mismatch': 'The call was refused: its encryption certificate does not match the one the other device vouched for.',
} as const;
export type SdpFingerprintErrorCode = keyof typeof SDP_FINGERPRINT_ERRORS;

const LINE = /^a=fingerprint:(\S+)\s+(\S+)\s*$/i;

/** One `a=fingerprint` line as written: any hash name (lower-cased) and its value (upper-cased). */
export type SdpFingerprintLine = Readonly<{ algorithm: string; value: string }>;

/**
 * Every `a=fingerprint` line of an SDP (session level and each media section, RFC 8122 §5).
 * Lines with a hash function the call schema does not accept are returned too, so that the
 * comparison fails on them instead of skipping them.
 */
export function sdpFingerprints(sdp: string): SdpFingerprintLine[] {
  const found: SdpFingerprintLine[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    found.push({ algorithm: match[1].toLowerCase(), value: match[2].toUpperCase() });
  }
  return found;
}

/**
 * Accepts the SDP only if it names exactly one certificate and that is the carried fingerprint:
 * every `a=fingerprint` line (Chromium repeats it per media section) must equal it.
 */
export function checkSdpFingerprint(sdp: string, carried: DtlsFingerprint): Result<DtlsFingerprint> {
  const found = sdpFingerprints(sdp);
  if (found.length === 0) return fail('sdp-no-fingerprint');
  const distinct = new Set(found.map((f) => `${f.algorithm} ${f.value}`));
  if (distinct.size > 1) return fail('sdp-fingerprints-differ');
  if (!distinct.has(`${carried.algorithm} ${carried.value.toUpperCase()}`)) return fail('sdp-fingerprint-mismatch');
  return ok(carried);
}

function fail(code: SdpFingerprintErrorCode): Result<never> {
  return err(code, SDP_FINGERPRINT_ERRORS[code]);
}
