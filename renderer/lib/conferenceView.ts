/**
 * How the UI words a conference: the sentence when this device is out of it, and the order of
 * tiles (the one sharing a screen first, then in leaf order, this device last). The views are
 * the contract's ConferenceViewSchema (electron/core/ipc/conferenceSchemas.ts), types only.
 */
import type { ConferenceParticipant, ConferenceViewPayload } from '../../electron/core/ipc/contract';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { missingCase } from './missingCase';

type EndReason = NonNullable<ConferenceViewPayload['reason']>;
type FailureCode = Extract<EndReason, { kind: 'failed' }>['code'];

function failureKey(code: FailureCode): MessageKey {
  switch (code) {
    case 'sfu-unreachable':
      return 'conference.failedSfuUnreachable';
    case 'sfu-refused':
      return 'conference.failedSfuRefused';
    case 'ice-failed':
      return 'call.failedIce';
    case 'dtls-failed':
      return 'call.failedDtls';
    case 'join-failed':
      return 'conference.failedJoin';
    case 'timeout':
      return 'conference.failedTimeout';
    default:
      return missingCase(code);
  }
}

export function conferenceEndedLine(reason: EndReason | undefined): string {
  if (reason === undefined) return t('conference.endedEnded');
  switch (reason.kind) {
    case 'left':
      return t('conference.endedLeft');
    case 'ended':
      return t('conference.endedEnded');
    case 'removed':
      return t('conference.endedRemoved');
    case 'failed':
      return t('conference.endedFailed', { reason: t(failureKey(reason.code)) });
    default:
      return missingCase(reason);
  }
}

/** Tiles in order: whoever shares a screen first (shown large), then by leaf; this device last. */
export function tileOrder(participants: readonly ConferenceParticipant[]): ConferenceParticipant[] {
  const rank = (p: ConferenceParticipant): number => (p.sharing && !p.self ? 0 : p.self ? 2 : 1);
  return [...participants].sort((a, b) => rank(a) - rank(b) || a.leaf - b.leaf);
}
