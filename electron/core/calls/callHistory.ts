/**
 * The plain line each ended call leaves in the conversation's history (issue 13: busy, declined,
 * no answer, failed to connect and ended with duration each leave one; missed calls show in the
 * history and the conversation list). Worded from this device's side: the same call reads
 * "Bob declined the call." on Alice's devices and "You declined a call from Alice." on Bob's.
 */
import { missingCase } from '../../../protocol/result';
import type { CallFailureCode, CallHistoryLine } from './callTypes';

export function historyText(line: CallHistoryLine, peerName: string): string {
  const outgoing = line.direction === 'outgoing';
  const reason = line.reason;
  switch (reason.kind) {
    case 'declined':
      return outgoing ? `${peerName} declined the call.` : `You declined a call from ${peerName}.`;
    case 'cancelled':
      return outgoing ? `You cancelled the call to ${peerName}.` : `Missed call from ${peerName}.`;
    case 'busy':
      return outgoing ? `${peerName} was busy in another call.` : `Missed call from ${peerName} while you were in another call.`;
    case 'no-answer':
      return outgoing ? `${peerName} did not answer.` : `Missed call from ${peerName}.`;
    case 'answered-elsewhere':
      return outgoing ? `Call with ${peerName} answered on your other device.` : `Call from ${peerName} answered on another device.`;
    case 'failed':
      return failureText(reason.code, peerName);
    case 'completed':
      return reason.durationMs === null ? `Call with ${peerName} ended.` : `Call with ${peerName}, ${formatDuration(reason.durationMs)}.`;
    default:
      return missingCase(reason);
  }
}

/**
 * The same line, short, for the conversation list's preview (like a message's text there): "Missed
 * call", "Call, 3 min".
 */
export function historyPreview(line: CallHistoryLine): string {
  const outgoing = line.direction === 'outgoing';
  const reason = line.reason;
  switch (reason.kind) {
    case 'declined':
      return outgoing ? 'Call declined' : 'Declined call';
    case 'cancelled':
      return outgoing ? 'Cancelled call' : 'Missed call';
    case 'busy':
      return outgoing ? 'Busy' : 'Missed call';
    case 'no-answer':
      return outgoing ? 'No answer' : 'Missed call';
    case 'answered-elsewhere':
      return 'Answered on another device';
    case 'failed':
      return 'Call failed';
    case 'completed':
      return reason.durationMs === null ? 'Call' : `Call, ${shortDuration(reason.durationMs)}`;
    default:
      return missingCase(reason);
  }
}

/** "42 s", "3 min", "1 h 5 min": a list row has no room for seconds once a call is longer. */
export function shortDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return rest === 0 ? `${Math.floor(minutes / 60)} h` : `${Math.floor(minutes / 60)} h ${rest} min`;
}

function failureText(code: CallFailureCode, peerName: string): string {
  switch (code) {
    case 'ice-failed':
    case 'timeout':
      return `The call with ${peerName} could not be connected.`;
    case 'dtls-failed':
    case 'fingerprint-mismatch':
      // Seed 002, "Calling / Encryption": a certificate that does not match the fingerprint
      // carried in the E2EE setup aborts the call; the person is told that is why.
      return `The call with ${peerName} was refused because its encryption could not be verified.`;
    default:
      return missingCase(code);
  }
}

/** "0:42", "12:05", "1:02:03". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
