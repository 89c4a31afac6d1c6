import { z } from 'zod';
import { base64, ClientIdSchema, IsoTimeSchema, PasswordSchema, SixDigitCodeSchema } from './common';

/** Seed 002: prekeys 0..65534, and the last-resort prekey 65535 that is never deleted. */
export const LAST_RESORT_PREKEY_ID = 65535;
export const MAX_PERMANENT_CLIENTS = 7;

export const PrekeySchema = z.object({
  id: z.number().int().min(0).max(LAST_RESORT_PREKEY_ID),
  key: base64(4096),
});
export type Prekey = z.infer<typeof PrekeySchema>;

export const ClientTypeSchema = z.enum(['permanent', 'temporary']);
export const ClientClassSchema = z.enum(['desktop', 'phone', 'tablet', 'legalhold']);

export const NewClientRequestSchema = z
  .object({
    password: PasswordSchema,
    type: ClientTypeSchema,
    class: ClientClassSchema.default('desktop'),
    model: z.string().max(128).optional(),
    label: z.string().max(128).optional(),
    lastPrekey: PrekeySchema.refine((p) => p.id === LAST_RESORT_PREKEY_ID, 'the last prekey must have id 65535'),
    prekeys: z
      .array(PrekeySchema.refine((p) => p.id !== LAST_RESORT_PREKEY_ID, 'id 65535 is reserved for the last prekey'))
      .max(200),
    verificationCode: SixDigitCodeSchema.optional(),
  })
  .strict();

export const ClientSchema = z.object({
  id: ClientIdSchema,
  type: ClientTypeSchema,
  class: ClientClassSchema,
  model: z.string().nullable(),
  label: z.string().nullable(),
  time: IsoTimeSchema,
});
export type Client = z.infer<typeof ClientSchema>;

export const ClientListSchema = z.object({ clients: z.array(ClientSchema) });
export const PublicClientSchema = z.object({ id: ClientIdSchema, class: ClientClassSchema });
export const PublicClientListSchema = z.object({ clients: z.array(PublicClientSchema) });

export const ClientParamsSchema = z.object({ client: ClientIdSchema }).strict();
export const DeleteClientRequestSchema = z.object({ password: PasswordSchema }).strict();
export const UpdateClientRequestSchema = z.object({ label: z.string().max(128).optional() }).strict();

export const UploadPrekeysRequestSchema = z
  .object({
    prekeys: z
      .array(PrekeySchema.refine((p) => p.id !== LAST_RESORT_PREKEY_ID, 'id 65535 is reserved for the last prekey'))
      .min(1)
      .max(200),
  })
  .strict();
export const PrekeyCountSchema = z.object({ count: z.number().int().nonnegative() });

export const UserClientParamsSchema = z
  .object({ domain: z.string().max(253), id: z.uuid(), client: ClientIdSchema })
  .strict();
export const ClaimedPrekeySchema = z.object({ client: ClientIdSchema, prekey: PrekeySchema });
export const PrekeyBundleSchema = z.object({ user: z.uuid(), clients: z.array(ClaimedPrekeySchema) });
