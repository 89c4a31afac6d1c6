import { z } from 'zod';
import { ConversationIdSchema, IsoTimeSchema } from './common';
import { AssetKeySchema } from './users';

/** Default upload limit; the operator may configure another. */
export const DEFAULT_MAX_ASSET_BYTES = 100 * 1024 * 1024;

/** `volatile` assets are deleted after 4 weeks, `expiring` after a year, the others are kept. */
export const RetentionSchema = z.enum(['eternal', 'persistent', 'volatile', 'expiring']);
export type Retention = z.infer<typeof RetentionSchema>;

export const UploadAssetQuerySchema = z
  .object({
    public: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    retention: RetentionSchema.default('persistent'),
    conversation: ConversationIdSchema.optional(),
  })
  .strict();

/** `token` lets its holder delete the asset; keep it with the message that carries the asset key. */
export const AssetSchema = z.object({
  key: AssetKeySchema,
  token: z.string(),
  expires: IsoTimeSchema.nullable(),
  size: z.number().int().nonnegative(),
});
export const AssetParamsSchema = z.object({ key: AssetKeySchema }).strict();
export const ShareAssetRequestSchema = z.object({ conversation: ConversationIdSchema }).strict();
export const ASSET_TOKEN_HEADER = 'asset-token';
