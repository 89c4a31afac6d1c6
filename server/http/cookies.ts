import type { CookieKind } from '../../protocol';
import { USER_COOKIE_NAME } from '../../protocol';

/** Seed 002: persistent cookies expire after 1 year, session cookies after 1 week. */
export const COOKIE_TTL_MS: Readonly<Record<CookieKind, number>> = {
  persistent: 365 * 24 * 3600 * 1000,
  session: 7 * 24 * 3600 * 1000,
};
/** Seed 002: at most 32 cookies of each kind per user; the oldest is replaced. */
export const MAX_COOKIES_PER_KIND = 32;

/** Reads one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string = USER_COOKIE_NAME): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * The `Set-Cookie` value for a user token: HTTPS only, not readable by scripts, sent only to
 * the token endpoints (seed 002). Session cookies carry no Expires, as HTTP defines them.
 */
export function userCookieHeader(value: string, kind: CookieKind, expiresAt: number): string {
  const attributes = [`${USER_COOKIE_NAME}=${value}`, 'Path=/access', 'Secure', 'HttpOnly', 'SameSite=Strict'];
  if (kind === 'persistent') attributes.push(`Expires=${new Date(expiresAt).toUTCString()}`);
  return attributes.join('; ');
}

export function clearedCookieHeader(): string {
  return `${USER_COOKIE_NAME}=; Path=/access; Secure; HttpOnly; SameSite=Strict; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}
