/**
 * The shapes a call session (callSession.ts) takes and reports: the ICE configuration from the
 * core, the events it sends the call code, and why a call ended on its own.
 */
import { z } from 'zod';
import type { MediaState } from './callMessages';
import type { FrameCryptoRejection } from './frameCrypto';

/** The core's `calls.config` answer, as far as the peer connection needs it. */
export const callConfigSchema = z.object({
  iceServers: z.array(
    z.object({
      urls: z.union([z.string(), z.array(z.string())]),
      username: z.string().optional(),
      credential: z.string().optional(),
    }),
  ),
  iceTransportPolicy: z.enum(['all', 'relay']),
});
export type CallConfig = z.infer<typeof callConfigSchema>;

/** Why a call ended without the local user hanging up. */
export type EndReason =
  | Readonly<{ kind: 'peer-hung-up' }>
  /** `ice`: no candidate pair worked; `dtls`: the pair worked but the handshake failed (wrong certificate). */
  | Readonly<{ kind: 'failed'; cause: 'ice' | 'dtls' }>
  | Readonly<{ kind: 'frame-crypto-failed' }>;

export type CallSessionEvent =
  | Readonly<{ type: 'connected' }>
  /** The connection dropped (network change): the state machine sends an ICE restart offer. */
  | Readonly<{ type: 'reconnecting' }>
  | Readonly<{ type: 'remote-track'; track: MediaStreamTrack; stream: MediaStream }>
  | Readonly<{ type: 'remote-media'; state: MediaState }>
  | Readonly<{ type: 'frame-crypto-rejected'; code: FrameCryptoRejection }>
  | Readonly<{ type: 'ended'; reason: EndReason }>;

export interface CallSessionOptions {
  readonly config: CallConfig;
  /** Camera on at the start (a video call); audio calls can still share a screen. */
  readonly video: boolean;
  /** Opus `cbr=1` (whitepaper, "Calling"): applied to every remote description this side applies. */
  readonly constantBitRate: boolean;
  readonly onEvent: (event: CallSessionEvent) => void;
  /** Deadline for ICE gathering before a description is sent anyway (a TURN server that does not answer). */
  readonly gatherTimeoutMs?: number;
  readonly microphoneId?: string;
  readonly cameraId?: string;
}

/** Resolves once ICE gathering is complete, or after `timeoutMs` (a TURN server that does not answer). */
export function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const done = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      resolve();
    };
    const onChange = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', onChange);
  });
}
