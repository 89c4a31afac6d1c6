import { z } from 'zod';

/** Users are UUID v4 (seed 002: "a randomly generated user ID (UUID v4)"). */
export const UserIdSchema = z.uuid();
/** Clients are 64-bit random ids in lowercase hex, unique per user. */
export const ClientIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a client id is 16 lowercase hex digits');
export const ConversationIdSchema = z.uuid();
export const DomainSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'a domain is lowercase letters, digits, dots and dashes');

/** A user id qualified with its backend's domain, the form used everywhere federation could reach. */
export const QualifiedUserIdSchema = z.object({ id: UserIdSchema, domain: DomainSchema });
export type QualifiedUserId = z.infer<typeof QualifiedUserIdSchema>;

export const QualifiedClientSchema = z.object({ user: QualifiedUserIdSchema, client: ClientIdSchema });
export type QualifiedClient = z.infer<typeof QualifiedClientSchema>;

/** Standard base64 with padding, bounded so one field cannot carry an unbounded body. */
export function base64(maxBytes: number) {
  return z.base64().max(Math.ceil(maxBytes / 3) * 4);
}

export const EmailSchema = z.email().max(254).transform((value) => value.toLowerCase());
/** Six digits, as seed 002 describes for e-mail verification and 2FA codes. */
export const SixDigitCodeSchema = z.string().regex(/^[0-9]{6}$/, 'a code is six digits');
export const PasswordSchema = z.string().min(1).max(1024);
export const NameSchema = z.string().trim().min(1).max(128);
/** Wire handles: 2–256 of a-z, 0-9, `_`, `.`, `-`. */
export const HandleSchema = z.string().regex(/^[a-z0-9_.-]{2,256}$/, 'a handle is 2–256 of a-z 0-9 _ . -');
export const LocaleSchema = z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'an IETF language tag');
export const AccentIdSchema = z.number().int().min(0).max(16);
export const IsoTimeSchema = z.iso.datetime();

export const EmptySchema = z.object({}).strict();
export const OkSchema = z.object({});
