import { USER_COOKIE_NAME } from '../../../protocol/api/auth';

/**
 * The credentials of a signed-in device: the long-lived user cookie (`zuid`, seed 002: 1 year
 * persistent or 1 week session) and the short-lived access token (15 minutes). The cookie is
 * persisted by the account service through `onCookie`; the access token lives only in memory.
 */
export class Session {
  private cookie: string | undefined;
  private token: { value: string; expiresAt: number } | undefined;
  clientId: string | undefined;

  constructor(
    cookie: string | undefined,
    private readonly onCookie: (cookie: string | undefined) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.cookie = cookie;
  }

  get userCookie(): string | undefined {
    return this.cookie;
  }

  /** The access token if it is valid for at least `marginMs` more. */
  validToken(marginMs = 30_000): string | undefined {
    return this.token && this.token.expiresAt - marginMs > this.now() ? this.token.value : undefined;
  }

  setToken(value: string, expiresInSeconds: number): void {
    this.token = { value, expiresAt: this.now() + expiresInSeconds * 1000 };
  }

  dropToken(): void {
    this.token = undefined;
  }

  /** Applies the `Set-Cookie` headers of a response; an emptied `zuid` means signed out. */
  applySetCookie(headers: string | readonly string[] | undefined): void {
    const list = headers === undefined ? [] : typeof headers === 'string' ? [headers] : headers;
    for (const header of list) {
      const first = header.split(';', 1)[0] ?? '';
      const eq = first.indexOf('=');
      if (eq <= 0 || first.slice(0, eq).trim() !== USER_COOKIE_NAME) continue;
      const value = first.slice(eq + 1).trim();
      this.cookie = value === '' ? undefined : value;
      if (this.cookie === undefined) this.dropToken();
      this.onCookie(this.cookie);
    }
  }

  clear(): void {
    this.cookie = undefined;
    this.token = undefined;
    this.clientId = undefined;
    this.onCookie(undefined);
  }
}
