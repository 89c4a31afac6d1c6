import { z } from 'zod';
import {
  ClientIdSchema,
  EmailSchema,
  NameSchema,
  LocaleSchema,
  PasswordSchema,
  SixDigitCodeSchema,
  UserIdSchema,
} from './common';

/** Name of the cookie that carries the user token (as in Wire). Its path is `/access`. */
export const USER_COOKIE_NAME = 'zuid';

/**
 * `persistent` cookies live 1 year and belong in secure storage; `session` cookies live 1 week
 * and only in memory (seed 002).
 */
export const CookieKindSchema = z.enum(['persistent', 'session']);
export type CookieKind = z.infer<typeof CookieKindSchema>;

export const SendActivationCodeRequestSchema = z.object({ email: EmailSchema }).strict();

export const RegisterRequestSchema = z
  .object({
    email: EmailSchema,
    code: SixDigitCodeSchema,
    password: PasswordSchema,
    name: NameSchema,
    locale: LocaleSchema.optional(),
    cookie: CookieKindSchema.default('persistent'),
    label: z.string().min(1).max(128).optional(),
  })
  .strict();

export const LoginRequestSchema = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    cookie: CookieKindSchema.default('persistent'),
    label: z.string().min(1).max(128).optional(),
    verificationCode: SixDigitCodeSchema.optional(),
  })
  .strict();

/** Answer of login, registration and refresh; the user token arrives as a `Set-Cookie` header. */
export const AccessResponseSchema = z.object({
  user: UserIdSchema,
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().positive(),
  client: ClientIdSchema.optional(),
});
export type AccessResponse = z.infer<typeof AccessResponseSchema>;

export const RefreshQuerySchema = z.object({ client_id: ClientIdSchema.optional() }).strict();

export const VerificationActionSchema = z.enum(['login', 'create-client']);
export const SendVerificationCodeRequestSchema = z
  .object({ email: EmailSchema, action: VerificationActionSchema })
  .strict();

export const PasswordResetRequestSchema = z.object({ email: EmailSchema }).strict();
export const PasswordResetCompleteRequestSchema = z
  .object({
    key: z.string().min(1).max(64),
    code: z.string().min(1).max(64),
    password: PasswordSchema,
  })
  .strict();

export const ChangePasswordRequestSchema = z
  .object({ oldPassword: PasswordSchema, newPassword: PasswordSchema })
  .strict();

export const SecondFactorRequestSchema = z.object({ enabled: z.boolean(), password: PasswordSchema }).strict();

/**
 * Password policy of seed 002: at least 8 characters, one lowercase, one uppercase, one digit,
 * one special character. The server enforces it too, since clients may be modified.
 */
export function meetsPasswordPolicy(password: string): boolean {
  return (
    [...password].length >= 8 &&
    /\p{Ll}/u.test(password) &&
    /\p{Lu}/u.test(password) &&
    /\p{Nd}/u.test(password) &&
    /[^\p{L}\p{Nd}]/u.test(password)
  );
}
