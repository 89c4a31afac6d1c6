/**
 * The password rules of seed 002, one by one, so the form can show each as it is met.
 * The server enforces the same policy; this is only for live feedback.
 */
import type { MessageKey } from '../i18n/en';

export interface PolicyRule {
  readonly key: MessageKey;
  readonly met: boolean;
}

export function passwordRules(password: string): readonly PolicyRule[] {
  return [
    { key: 'auth.policy.length', met: [...password].length >= 8 },
    { key: 'auth.policy.lower', met: /\p{Ll}/u.test(password) },
    { key: 'auth.policy.upper', met: /\p{Lu}/u.test(password) },
    { key: 'auth.policy.digit', met: /\p{Nd}/u.test(password) },
    { key: 'auth.policy.special', met: /[^\p{L}\p{Nd}]/u.test(password) },
  ];
}

export function isValidEmail(email: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
}
