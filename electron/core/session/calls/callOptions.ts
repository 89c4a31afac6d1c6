/**
 * What a host may set about calls when it starts a core (CoreOptions.callTimings and
 * CoreOptions.testSeams, hosts/options.ts). Both exist for tests: the app itself always runs with
 * the machine's default times (DEFAULT_CALL_CONFIG) and without any seam.
 */
import type { CallMachineConfig } from '../../calls/callTypes';

/**
 * Shorter times, so a test sees a missed call without waiting 60 s (`ringMs`, `connectMs`: the
 * machine's) or a `calls.prepare` reservation lapse without waiting 30 s (`reservationMs`).
 */
export type CallTimings = Readonly<{
  ringMs?: number;
  connectMs?: number;
  reservationMs?: number;
  /** A conference key's ratchet period instead of 30 s (issue 14: several rotations in one test call). */
  conferenceRatchetMs?: number;
  /** How long a conference participant may stay silent before the key generator removes it (20 s). */
  conferenceSilenceMs?: number;
}>;

/**
 * Test seams of the core, named as such and refused by the Electron host (hosts/utilityHost.ts):
 * they exist only for tests that prove a defence works.
 */
export type CoreTestSeams = Readonly<{
  /**
   * Every call description this core receives (setup, answer, ICE restart) gets another DTLS
   * fingerprint, in its SDP and its fingerprint field alike (fingerprintTamper.ts), as if the
   * signalling had been rewritten by someone who does not hold the sender's certificate. The
   * renderer's DTLS handshake must then fail and the call end with 'dtls-failed' (issue 13).
   */
  alterReceivedCallFingerprints?: boolean;
}>;

export type CallServiceOptions = Readonly<{ timings?: CallTimings; testSeams?: CoreTestSeams }>;

/** The machine's times with a test's shorter ones applied. */
export function machineConfig(timings: CallTimings | undefined): Partial<CallMachineConfig> {
  return {
    ...(timings?.ringMs === undefined ? {} : { ringMs: timings.ringMs }),
    ...(timings?.connectMs === undefined ? {} : { connectMs: timings.connectMs }),
  };
}
