import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Seed 002: access tokens live 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

const AccessClaimsSchema = z.object({
  v: z.literal(1),
  u: z.uuid(),
  c: z.string().regex(/^[0-9a-f]{16}$/).optional(),
  r: z.string().regex(/^[0-9a-f]{16}$/),
  e: z.number().int(),
});
export type AccessClaims = z.infer<typeof AccessClaimsSchema>;

export type TokenCheck =
  | Readonly<{ kind: 'valid'; claims: AccessClaims }>
  | Readonly<{ kind: 'expired' }>
  | Readonly<{ kind: 'invalid' }>;

/** How many verified tokens `check` remembers (about 300 bytes each); the oldest is dropped first. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signed access tokens: `base64url(claims).base64url(HMAC-SHA256)`. Claims bind the user (u),
 * optionally a client (c), and the cookie's 64-bit connection id (r) that stays the same across
 * renewals (seed 002).
 */
export class AccessTokens {
  /*
   * Claims of tokens whose signature and shape were verified, by the exact token text. A device
   * sends the same token with every request for up to 15 minutes; this saves the HMAC and the
   * claims parse on each. Expiry is still checked on every use.
   */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(private readonly key: Buffer) {}

  issue(claims: Omit<AccessClaims, 'v' | 'e'>, nowMs: number): { token: string; expiresIn: number } {
    const payload = Buffer.from(
      JSON.stringify({ v: 1, ...claims, e: Math.floor(nowMs / 1000) + ACCESS_TOKEN_TTL_SECONDS }),
    ).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  check(token: string, nowMs: number): TokenCheck {
    const claims = this.verified.get(token) ?? this.verify(token);
    if (claims === undefined) return { kind: 'invalid' };
    if (claims.e * 1000 <= nowMs) return { kind: 'expired' };
    return { kind: 'valid', claims };
  }

  private verify(token: string): AccessClaims | undefined {
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const claims = AccessClaimsSchema.safeParse(decoded);
    if (!claims.success) return undefined;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, claims.data);
    return claims.data;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** A new opaque user-token value (the `zuid` cookie) and the id under which it is stored. */
export function newUserToken(): { value: string; id: string } {
  const value = randomBytes(32).toString('base64url');
  return { value, id: userTokenId(value) };
}

/** Cookies are stored by SHA-256 only: a leaked database does not leak live sessions. */
export function userTokenId(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Seed 002: a random connection id carried from the cookie into every access token. */
export function newConnectionId(): string {
  return randomBytes(8).toString('hex');
}
