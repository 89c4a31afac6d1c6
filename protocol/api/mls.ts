import { z } from 'zod';
import { base64, ClientIdSchema, IsoTimeSchema, QualifiedClientSchema, QualifiedUserIdSchema } from './common';

/** RFC 9420 cipher suite numbers (1 = X25519/AES-128-GCM/Ed25519, 2 = P-256, 7 = P-384, 5 = P-521, …). */
export const CipherSuiteSchema = z.coerce.number().int().min(1).max(0xffff);
export const DEFAULT_CIPHER_SUITE = 1;

/** A serialized MLS message is at most 1 MiB, a key package at most 16 KiB. */
export const MAX_MLS_MESSAGE_BYTES = 1024 * 1024;
export const MAX_KEY_PACKAGE_BYTES = 16 * 1024;

export const UploadKeyPackagesRequestSchema = z
  .object({ keyPackages: z.array(base64(MAX_KEY_PACKAGE_BYTES).min(4)).min(1).max(200) })
  .strict();
export const KeyPackageCountQuerySchema = z.object({ ciphersuite: CipherSuiteSchema.default(1) }).strict();
export const KeyPackageCountSchema = z.object({ count: z.number().int().nonnegative() });
export const ClaimKeyPackagesParamsSchema = z.object({ domain: z.string().max(253), id: z.uuid() }).strict();
export const ClaimedKeyPackageSchema = z.object({
  user: QualifiedUserIdSchema,
  client: ClientIdSchema,
  cipherSuite: z.number().int(),
  keyPackage: z.base64(),
});
/** One key package per client of the user that still had one; the claimer's own client is skipped. */
export const ClaimKeyPackagesResponseSchema = z.object({ keyPackages: z.array(ClaimedKeyPackageSchema) });

/**
 * A commit and what it does, posted together so the server can apply it atomically.
 * The server cannot see inside the commit: `adds` and `removes` declare the clients it adds and
 * removes, and the server checks them against membership and authorization. `groupInfo` is kept
 * for external commits by new devices; `welcome` goes to the added clients.
 */
export const CommitBundleRequestSchema = z
  .object({
    commit: base64(MAX_MLS_MESSAGE_BYTES).min(8),
    welcome: base64(MAX_MLS_MESSAGE_BYTES).min(4).optional(),
    groupInfo: base64(MAX_MLS_MESSAGE_BYTES).min(4),
    adds: z.array(QualifiedClientSchema).max(2000).default([]),
    removes: z.array(QualifiedClientSchema).max(2000).default([]),
  })
  .strict();
export const CommitBundleResponseSchema = z.object({ epoch: z.number().int().nonnegative(), time: IsoTimeSchema });

/**
 * A key the sender chooses per post and keeps across the retries of that post: the server
 * answers a repeated post from the same device with the same key as it did the first time,
 * without storing or fanning the message out again (a retry after a lost answer must not deliver
 * the ciphertext twice; the pattern of Stripe's and the IETF draft's Idempotency-Key). 16 to 64
 * URL-safe characters, so a random 128-bit value fits.
 */
export const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'an idempotency key is 16 to 64 characters of A-Z, a-z, 0-9, _ and -');
/** How long the server remembers a message post's idempotency key: far longer than any retry of that post. */
export const MESSAGE_POST_KEY_RETENTION_MS = 24 * 3600 * 1000;
export const MlsMessageRequestSchema = z.object({ message: base64(MAX_MLS_MESSAGE_BYTES).min(8), idempotencyKey: IdempotencyKeySchema.optional() }).strict();
export const MlsMessageResponseSchema = z.object({ time: IsoTimeSchema });
export const GroupInfoResponseSchema = z.object({ groupInfo: z.base64(), epoch: z.number().int().nonnegative() });
