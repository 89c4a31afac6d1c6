import { z } from 'zod';
import { EmailSchema, IsoTimeSchema } from './common';
import { UserProfileSchema } from './users';

/**
 * Chat requests by e-mail (docs/SECURITY.md §10). Sending one answers alike whether the address
 * has an account; only the address's owner learns of it, and the requester learns who it is
 * only when they accept. No free text travels with a request: it would be plaintext on the
 * server and in the mail, outside end-to-end encryption, and a channel for spam to strangers.
 */

/** A pending request lives 30 days, then lapses without telling anyone. */
export const CHAT_REQUEST_TTL_MS = 30 * 24 * 3600 * 1000;

export const ChatRequestIdSchema = z.uuid();

export const SendChatRequestSchema = z.object({ email: EmailSchema }).strict();

/** A request as its target sees it: who asks (their public profile) and until when. */
export const ChatRequestSchema = z.object({
  id: ChatRequestIdSchema,
  requester: UserProfileSchema,
  created: IsoTimeSchema,
  expires: IsoTimeSchema,
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export const ChatRequestListSchema = z.object({ requests: z.array(ChatRequestSchema) });

export const ChatRequestParamsSchema = z.object({ id: ChatRequestIdSchema }).strict();

/** Accepting answers with the requester, so the accepter's device can open the 1:1 conversation. */
export const AcceptedChatRequestSchema = z.object({ requester: UserProfileSchema });
