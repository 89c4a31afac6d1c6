import { formatDuration } from '../callHistory';

/*
 * The lines a conference leaves in its conversation's history (issue 14), like a 1:1 call's
 * (callHistory.ts): one when it starts, one when it ends, each written by every device itself
 * from the E2EE start and end messages (the server stores no call history).
 */

/** `starter` is the display name, or undefined for this user. */
export function conferenceStartedText(starter: string | undefined): string {
  return starter === undefined ? 'You started a group call.' : `${starter} started a group call.`;
}

/** Without a known start (the start message was never seen here), no duration is claimed. */
export function conferenceEndedText(durationMs: number | undefined): string {
  return durationMs === undefined ? 'Group call ended.' : `Group call ended, ${formatDuration(durationMs)}.`;
}
