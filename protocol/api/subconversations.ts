import { z } from 'zod';
import { ClientIdSchema, ConversationIdSchema, QualifiedUserIdSchema } from './common';
import { QualifiedConversationIdSchema } from './conversations';
import { CipherSuiteSchema } from './mls';

/**
 * A subconversation is an MLS group of its own tied to a conversation: today only a conference
 * call's group (issue 14; Wire's MLS "conference" subconversation, seed 002 "Calling Messages").
 * The server knows it only by a random id under its conversation: no name, no purpose beyond
 * that, and only members of the conversation may join it.
 */
export const SubconversationIdSchema = z.uuid();
export const SubconversationParamsSchema = z.object({ conv: ConversationIdSchema, sub: SubconversationIdSchema }).strict();

export const CreateSubconversationRequestSchema = z.object({ cipherSuite: CipherSuiteSchema.default(1) }).strict();

export const SubconversationSchema = z.object({
  parent: QualifiedConversationIdSchema,
  id: SubconversationIdSchema,
  groupId: z.base64(),
  epoch: z.number().int().nonnegative(),
  cipherSuite: z.number().int(),
  /** When the current epoch's commit was accepted (ms since 1970), the start of its ratchet schedule. */
  epochStartedAt: z.number().int().nonnegative(),
  /** Devices in the group as the server last saw it, with their leaf, and whether each said it left. */
  clients: z.array(
    z.object({ user: QualifiedUserIdSchema, client: ClientIdSchema, leafIndex: z.number().int().nonnegative(), left: z.boolean() }),
  ),
});
export type Subconversation = z.infer<typeof SubconversationSchema>;
