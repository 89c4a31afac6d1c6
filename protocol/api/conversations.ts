import { z } from 'zod';
import { ClientIdSchema, ConversationIdSchema, DomainSchema, QualifiedUserIdSchema, UserIdSchema } from './common';
import { CipherSuiteSchema } from './mls';

/** Wire's limit for groups; it bounds the cost of every commit and fan-out. */
export const MAX_CONVERSATION_MEMBERS = 500;

/**
 * `self`: the user's own conversation, one per user, holding only their own devices (as Wire's
 * self-conversation): what one device tells the others, such as "delete for me", travels there.
 */
export const ConversationTypeSchema = z.enum(['group', 'one2one', 'self']);
export const RoleSchema = z.enum(['admin', 'member']);
export type Role = z.infer<typeof RoleSchema>;

export const QualifiedConversationIdSchema = z.object({ id: ConversationIdSchema, domain: DomainSchema });
export type QualifiedConversationId = z.infer<typeof QualifiedConversationIdSchema>;

export const MemberSchema = z.object({ user: QualifiedUserIdSchema, role: RoleSchema });
/** Self-deleting message timer in milliseconds (1 s … 4 weeks), or null when off. */
export const MessageTimerSchema = z.number().int().min(1000).max(28 * 24 * 3600 * 1000).nullable();

export const ConversationSchema = z.object({
  qualifiedId: QualifiedConversationIdSchema,
  type: ConversationTypeSchema,
  name: z.string().nullable(),
  creator: QualifiedUserIdSchema,
  members: z.array(MemberSchema),
  groupId: z.base64(),
  epoch: z.number().int().nonnegative(),
  cipherSuite: z.number().int(),
  messageTimer: MessageTimerSchema,
  /** Clients in the MLS group as the server last saw it, so a member can tell who still needs adding. */
  clients: z.array(z.object({ user: QualifiedUserIdSchema, client: ClientIdSchema })),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const CreateConversationRequestSchema = z
  .object({
    type: ConversationTypeSchema.default('group'),
    name: z.string().trim().min(1).max(256).optional(),
    cipherSuite: CipherSuiteSchema.default(1),
    messageTimer: MessageTimerSchema.default(null),
    /** Other users to add as members (for `one2one`: exactly one; for `self`: none). Their clients join via commits. */
    users: z.array(QualifiedUserIdSchema).max(499).default([]),
  })
  .strict();

export const ConversationParamsSchema = z.object({ conv: ConversationIdSchema }).strict();
export const ConversationListSchema = z.object({ conversations: z.array(ConversationSchema) });
export const AddMembersRequestSchema = z
  .object({ users: z.array(QualifiedUserIdSchema).min(1).max(499), role: RoleSchema.default('member') })
  .strict();
export const MemberParamsSchema = z.object({ conv: ConversationIdSchema, domain: DomainSchema, user: UserIdSchema }).strict();
export const UpdateRoleRequestSchema = z.object({ role: RoleSchema }).strict();
export const RenameRequestSchema = z.object({ name: z.string().trim().min(1).max(256) }).strict();
export const MessageTimerRequestSchema = z.object({ messageTimer: MessageTimerSchema }).strict();
