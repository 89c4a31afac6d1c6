/**
 * The chat request part of the IPC contract (docs/SECURITY.md §10): asking the owner of an
 * e-mail address to chat, and answering such requests. contract.ts and eventSchemas.ts spread
 * these in.
 *
 * Who opens the conversation: the one who accepts. `chatRequests.accept` tells the server, then
 * opens the 1:1 conversation with the requester through the ordinary 1:1 path
 * (`Membership.openOneToOne`) and answers with it; the requester's devices get it like any new
 * conversation (`conversation.create` and the MLS Welcome) and are told who accepted
 * (`chatRequest.accepted`). One side creating it means no race between two creations, and the
 * accepter is the one looking at the app at that moment.
 */
import { z } from 'zod';
import { ConversationSummarySchema, EmailSchema } from './schemas';

const PersonSchema = z.object({ id: z.string(), domain: z.string(), name: z.string(), handle: z.string().nullable() }).strict();

/** A request addressed to this user: who asks, and until when it stands (ISO time). */
export const IncomingChatRequestSchema = z.object({ id: z.string(), requester: PersonSchema, expires: z.string() }).strict();
export type IncomingChatRequest = z.infer<typeof IncomingChatRequestSchema>;

export const chatRequestRequests = {
  /**
   * Asks the owner of `email` to chat. The answer is the same whether the address has an account:
   * the app learns who it is only when they accept.
   */
  'chatRequests.send': { request: z.object({ email: EmailSchema }).strict(), response: z.object({}).strict() },
  /** The pending requests addressed to this user, oldest first. */
  'chatRequests.list': { request: z.object({}).strict(), response: z.object({ requests: z.array(IncomingChatRequestSchema) }).strict() },
  /** Accepts a request and opens the 1:1 conversation with the requester (created if there is none). */
  'chatRequests.accept': { request: z.object({ id: z.uuid() }).strict(), response: ConversationSummarySchema },
  /** Ignores a request: the requester is not told. */
  'chatRequests.ignore': { request: z.object({ id: z.uuid() }).strict(), response: z.object({}).strict() },
} as const;

export const chatRequestEvents = {
  /** Someone asked this user to chat. */
  'chatRequest.received': IncomingChatRequestSchema,
  /** A request this user sent was accepted: the conversation with `user` arrives as any new one does. */
  'chatRequest.accepted': z.object({ user: PersonSchema }).strict(),
  /** A request was answered on another of this user's devices: drop it from the list. */
  'chatRequest.answered': z.object({ id: z.string() }).strict(),
} as const;
