/**
 * The auto-lock times offered in settings, and how a time reads. Under a server policy only the
 * times it allows are offered, plus the policy's own when it is not one of the usual ones.
 */
import { t } from '../i18n';

const USUAL_CHOICES = [60, 300, 900, 3600, 0] as const;

/** "1 minute", "90 seconds", "2 hours". */
export function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? t('duration.hour') : t('duration.hours', { n: seconds / 3600 });
  if (seconds % 60 === 0) return seconds === 60 ? t('duration.minute') : t('duration.minutes', { n: seconds / 60 });
  return seconds === 1 ? t('duration.second') : t('duration.seconds', { n: seconds });
}

export function autoLockLabel(seconds: number): string {
  switch (seconds) {
    case 0:
      return t('settings.autoLock.0');
    case 60:
      return t('settings.autoLock.60');
    case 300:
      return t('settings.autoLock.300');
    case 900:
      return t('settings.autoLock.900');
    case 3600:
      return t('settings.autoLock.3600');
    default:
      return t('settings.autoLock.other', { duration: durationText(seconds) });
  }
}

/**
 * The times to offer, shortest first and "only by hand" (0) last: the usual ones the policy
 * allows (`max`, null without one), the policy's maximum, and the current time so the list
 * always shows what is in force.
 */
export function autoLockChoices(max: number | null, current: number | undefined): number[] {
  const allowed = (seconds: number): boolean => max === null || (seconds !== 0 && seconds <= max);
  const choices = new Set<number>(USUAL_CHOICES.filter(allowed));
  if (max !== null) choices.add(max);
  if (current !== undefined) choices.add(current);
  return [...choices].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
}
