/**
 * A session description as the MLS call setup carries it: the SDP and the DTLS fingerprint it
 * commits to. The fingerprint reaches the peer only inside MLS (issue 13), so an SDP is applied
 * only when it commits to exactly that fingerprint: a server rewriting the SDP cannot put its
 * own certificate in. Pure, unit-tested in Node.
 */
import { z } from 'zod';
import type { ErrorInfo } from '../../protocol/result';
import type { DtlsFingerprint } from './sdp';
import { dtlsFingerprint, sameFingerprint } from './sdp';

export const signedDescriptionSchema = z.object({
  sdp: z.string().min(1).max(64 * 1024),
  fingerprint: z.object({ algorithm: z.enum(['sha-256', 'sha-384', 'sha-512']), value: z.string() }),
});
export type SignedDescription = Readonly<{ sdp: string; fingerprint: DtlsFingerprint }>;

export type SessionResult<T> = Readonly<{ ok: true; value: T }> | Readonly<{ ok: false; error: ErrorInfo }>;

export function fingerprintError(error: 'missing' | 'malformed' | 'conflicting' | 'weak-hash'): SessionResult<never> {
  return { ok: false, error: { code: 'call.fingerprint-invalid', message: `The other device's call setup has no usable security fingerprint (${error}).` } };
}

/**
 * Checks that `description.sdp` commits to exactly the fingerprint that came with it and answers
 * the SDP to apply. The call state machine can check before it builds a session, so a refused
 * call never rings.
 */
export function verifyDescription(description: SignedDescription): SessionResult<string> {
  const found = dtlsFingerprint(description.sdp);
  if (!found.ok) return fingerprintError(found.error);
  if (!sameFingerprint(found.fingerprint, description.fingerprint)) {
    return {
      ok: false,
      error: { code: 'call.fingerprint-mismatch', message: 'The call was refused: its security fingerprint does not match the one sent through the encrypted conversation.' },
    };
  }
  return { ok: true, value: description.sdp };
}
