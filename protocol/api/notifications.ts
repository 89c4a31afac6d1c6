import { z } from 'zod';
import { ClientIdSchema, IsoTimeSchema, QualifiedUserIdSchema } from './common';
import { ClientSchema } from './clients';
import { UserProfileSchema } from './users';
import { ChatRequestIdSchema, ChatRequestSchema } from './chatRequests';
import { ConversationSchema, MemberSchema, MessageTimerSchema, QualifiedConversationIdSchema, RoleSchema } from './conversations';
import { SubconversationIdSchema } from './subconversations';

/** Seed 002: notifications are kept 4 weeks. */
export const NOTIFICATION_RETENTION_MS = 28 * 24 * 3600 * 1000;

const ConversationEventBase = {
  conversation: QualifiedConversationIdSchema,
  from: QualifiedUserIdSchema,
};

/** Everything the server tells a client, in its queue and over the WebSocket alike. */
export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user.client-add'), client: ClientSchema }),
  z.object({ type: z.literal('user.client-remove'), client: ClientIdSchema }),
  z.object({ type: z.literal('user.password-changed') }),
  /** A profile changed: sent to the user's devices and to everyone sharing a conversation with them. */
  z.object({ type: z.literal('user.update'), user: UserProfileSchema }),
  /** Someone asked this user to chat (`POST /chat-requests` with their address): to the target's devices only. */
  z.object({ type: z.literal('user.chat-request'), request: ChatRequestSchema }),
  /** The target accepted this user's chat request: to the requester's devices, with the target's profile. */
  z.object({ type: z.literal('user.chat-request-accepted'), request: ChatRequestIdSchema, user: UserProfileSchema }),
  /** One of this user's devices answered a chat request (accepted or ignored): the other devices drop it from their list. */
  z.object({ type: z.literal('user.chat-request-answered'), request: ChatRequestIdSchema }),
  z.object({ type: z.literal('conversation.create'), conversation: ConversationSchema }),
  z.object({ type: z.literal('conversation.member-join'), ...ConversationEventBase, members: z.array(MemberSchema) }),
  z.object({
    type: z.literal('conversation.member-leave'),
    ...ConversationEventBase,
    users: z.array(QualifiedUserIdSchema),
  }),
  z.object({
    type: z.literal('conversation.member-update'),
    ...ConversationEventBase,
    user: QualifiedUserIdSchema,
    role: RoleSchema,
  }),
  z.object({ type: z.literal('conversation.rename'), ...ConversationEventBase, name: z.string() }),
  z.object({
    type: z.literal('conversation.message-timer-update'),
    ...ConversationEventBase,
    messageTimer: MessageTimerSchema,
  }),
  /** An MLS commit or application message; `epoch` is the group epoch the server recorded for it. */
  z.object({
    type: z.literal('conversation.mls-message-add'),
    ...ConversationEventBase,
    fromClient: ClientIdSchema,
    data: z.base64(),
  }),
  /**
   * A device in the MLS group was deleted from its account. Its leaf is still in the tree: any
   * member should commit its removal (the server accepts that from every member).
   */
  z.object({
    type: z.literal('conversation.mls-client-gone'),
    conversation: QualifiedConversationIdSchema,
    user: QualifiedUserIdSchema,
    client: ClientIdSchema,
  }),
  /** A commit to a call group (subconversation) of the conversation, for the devices in that group. */
  z.object({
    type: z.literal('conversation.subconv-mls-message-add'),
    ...ConversationEventBase,
    subconv: SubconversationIdSchema,
    fromClient: ClientIdSchema,
    data: z.base64(),
  }),
  /**
   * A device said it left a call group. Its leaf is still in the group's tree: the key generator
   * (lowest leaf) commits its removal, which gives the others a new epoch key (issue 14).
   */
  z.object({
    type: z.literal('conversation.subconv-leave'),
    conversation: QualifiedConversationIdSchema,
    subconv: SubconversationIdSchema,
    user: QualifiedUserIdSchema,
    client: ClientIdSchema,
  }),
  z.object({
    type: z.literal('conversation.mls-welcome'),
    ...ConversationEventBase,
    fromClient: ClientIdSchema,
    data: z.base64(),
  }),
]);
export type NotificationEvent = z.infer<typeof EventSchema>;

/** Ids grow monotonically per client queue; they are not contiguous. */
export const NotificationSchema = z.object({
  id: z.number().int().positive(),
  time: IsoTimeSchema,
  event: EventSchema,
});
export type Notification = z.infer<typeof NotificationSchema>;

export const NotificationsQuerySchema = z
  .object({
    since: z.coerce.number().int().nonnegative().default(0),
    size: z.coerce.number().int().min(1).max(1000).default(500),
  })
  .strict();

/**
 * `resyncRequired` is true when notifications after `since` expired unacknowledged: the client
 * must fetch its full state again (conversations, group state via external commit) — it never
 * silently skips.
 */
export const NotificationPageSchema = z.object({
  notifications: z.array(NotificationSchema),
  hasMore: z.boolean(),
  resyncRequired: z.boolean(),
});
export const LastNotificationSchema = z.object({ id: z.number().int().nonnegative() });
export const AckRequestSchema = z.object({ upTo: z.number().int().nonnegative() }).strict();

export const WebSocketQuerySchema = z
  .object({
    since: z.coerce.number().int().nonnegative().optional(),
    access_token: z.string().max(4096).optional(),
  })
  .strict();

/** Frames the server sends on the WebSocket. */
export const ServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('notification'), notification: NotificationSchema }),
  /**
   * Sent before the replay when notifications after `since` expired unacknowledged: the device
   * must fetch its conversations and rejoin the groups it fell behind in.
   */
  z.object({ type: z.literal('resync-required') }),
  /**
   * The replay is done. `lastId` is the last notification replayed, or, after a
   * `resync-required`, the newest one that expired if that is later: a device that resynced
   * continues from it.
   */
  z.object({ type: z.literal('caught-up'), lastId: z.number().int().nonnegative() }),
  z.object({ type: z.literal('client-removed') }),
  /** Answer to `ping`; frames are handled in order, so earlier acks are recorded by then. */
  z.object({ type: z.literal('pong') }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/** Frames a client may send on the WebSocket. */
export const ClientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ack'), upTo: z.number().int().nonnegative() }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

export const TimeSchema = IsoTimeSchema;
