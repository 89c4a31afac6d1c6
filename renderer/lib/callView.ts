/**
 * What the core's `call.state` event says about one call, as the renderer shows it: the IPC
 * contract's `CallViewSchema` (electron/core/ipc/callSchemas.ts), imported as types only (the
 * lint's boundaries); the core validates what it emits, as for every other event.
 */
import type { CallViewPayload } from '../../electron/core/ipc/contract';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { missingCase } from './missingCase';

export type CallView = Readonly<CallViewPayload>;
export type CallPhase = CallView['phase'];
export type CallMedia = CallView['media'];
export type EndReason = NonNullable<CallView['reason']>;
export type PeerMedia = NonNullable<CallView['peerMedia']>;
type CallFailureCode = Extract<EndReason, { kind: 'failed' }>['code'];

/** "1:05", "12:40", "1:02:03": the call's elapsed time as call screens show it. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

function failureKey(code: CallFailureCode): MessageKey {
  switch (code) {
    case 'ice-failed':
      return 'call.failedIce';
    case 'dtls-failed':
      return 'call.failedDtls';
    case 'fingerprint-mismatch':
      return 'call.failedFingerprint';
    case 'timeout':
      return 'call.failedTimeout';
    default:
      return missingCase(code);
  }
}

/**
 * The plain sentence for how a call ended, from this user's side: the callee's "cancelled",
 * "no answer" and "busy" are a missed call (as callState.ts notifies them).
 */
export function endedLine(reason: EndReason, direction: CallView['direction'], name: string): string {
  const line = endedKey(reason, direction, name);
  return t(line.key, line.params);
}

type Line = Readonly<{ key: MessageKey; params?: Readonly<Record<string, string | number>> }>;

function endedKey(reason: EndReason, direction: CallView['direction'], name: string): Line {
  const mine = direction === 'outgoing';
  switch (reason.kind) {
    case 'declined':
      return mine ? { key: 'call.endedDeclinedByPeer', params: { name } } : { key: 'call.endedDeclinedByMe' };
    case 'cancelled':
      return mine ? { key: 'call.endedCancelled' } : { key: 'call.endedMissed', params: { name } };
    case 'busy':
      return mine ? { key: 'call.endedBusy', params: { name } } : { key: 'call.endedMissedBusy', params: { name } };
    case 'no-answer':
      return mine ? { key: 'call.endedNoAnswer', params: { name } } : { key: 'call.endedMissed', params: { name } };
    case 'answered-elsewhere':
      return { key: 'call.endedElsewhere' };
    case 'failed':
      return { key: 'call.endedFailed', params: { reason: t(failureKey(reason.code)) } };
    case 'completed':
      return reason.durationMs === null
        ? { key: 'call.endedShort' }
        : { key: 'call.endedAfter', params: { duration: formatDuration(reason.durationMs) } };
    default:
      return missingCase(reason);
  }
}
