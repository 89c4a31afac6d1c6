import { z } from 'zod';
import {
  AccentIdSchema,
  DomainSchema,
  EmailSchema,
  HandleSchema,
  LocaleSchema,
  NameSchema,
  QualifiedUserIdSchema,
} from './common';

export const AssetKeySchema = z.string().regex(/^[0-9a-f]{32}$/, 'an asset key is 32 lowercase hex digits');

export const UserProfileSchema = z.object({
  qualifiedId: QualifiedUserIdSchema,
  name: z.string(),
  handle: HandleSchema.nullable(),
  accentId: AccentIdSchema,
  picture: AssetKeySchema.nullable(),
});
export type UserProfile = z.infer<typeof UserProfileSchema>;

export const SelfUserSchema = UserProfileSchema.extend({
  email: z.string(),
  locale: LocaleSchema,
  secondFactor: z.boolean(),
});
export type SelfUser = z.infer<typeof SelfUserSchema>;

export const UpdateSelfRequestSchema = z
  .object({
    name: NameSchema.optional(),
    accentId: AccentIdSchema.optional(),
    locale: LocaleSchema.optional(),
    picture: AssetKeySchema.nullable().optional(),
  })
  .strict();

export const SetHandleRequestSchema = z.object({ handle: HandleSchema }).strict();

export const UserParamsSchema = z.object({ domain: DomainSchema, id: z.uuid() }).strict();

export const SearchQuerySchema = z
  .object({
    q: z.string().min(1).max(256),
    size: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

export const SearchResponseSchema = z.object({ results: z.array(UserProfileSchema) });

/** Accepted by search: `@handle`, `handle` (exact or prefix) or a complete e-mail address. */
export const EmailLookupSchema = EmailSchema;
