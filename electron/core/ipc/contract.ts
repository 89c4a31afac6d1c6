/**
 * The one typed contract between the renderer (and the CLI/test host) and the core.
 * Every request channel declares its request and response schema; every event its payload
 * schema. The router validates inbound requests with these; the renderer imports only types.
 */
import { z } from 'zod';
import { SelfUserSchema } from '../../../protocol/api/users';
import {
  Empty,
  FileGrantSchema,
  ServerConfigSchema,
  AppInfoSchema,
  ServerProbeSchema,
  ConnectionStateSchema,
  EmailSchema,
  PasswordSchema,
  AccountStatusSchema,
  DeviceSchema,
  ConversationDeviceSchema,
  UserDeviceSchema,
  ConversationSummarySchema,
  PreferencesSchema,
  StoredMessageSchema,
  QualifiedUserSchema,
  MentionsRequestSchema,
  mentionsInsideText,
  MENTION_OUTSIDE_TEXT,
  LockStateSchema,
  PasscodeSchema,
  IceConfigSchema,
  MAX_MESSAGE_TEXT,
  MAX_TEXT_FILE,
} from './schemas';
import { events } from './eventSchemas';
import { callRequests } from './callSchemas';
import { conferenceRequests } from './conferenceSchemas';
import { chatRequestRequests } from './chatRequestSchemas';

export * from './schemas';
export { events } from './eventSchemas';
export * from './callSchemas';
export * from './conferenceSchemas';
export * from './chatRequestSchemas';

export const requests = {
  /** Version and platform facts for the About screen and diagnostics. */
  'app.info': { request: Empty, response: AppInfoSchema },
  /** Round trip through the core; used by health checks and the test host. */
  'app.ping': {
    request: z.object({ nonce: z.string().max(128) }).strict(),
    response: z.object({ nonce: z.string(), receivedAt: z.number().int() }).strict(),
  },
  /** Connects to a server over pinned TLS and reads its version; sends no credentials. */
  'server.probe': { request: ServerConfigSchema, response: ServerProbeSchema },
  /** Whether this profile is signed in, waiting for a registration code, or signed out. */
  'account.status': { request: Empty, response: AccountStatusSchema },
  /** Starts a registration: the server e-mails a 6-digit code (seed 002). */
  'account.register': {
    request: z
      .object({
        server: ServerConfigSchema,
        email: EmailSchema,
        name: z.string().trim().min(1).max(128),
        password: PasswordSchema,
        temporary: z.boolean().default(false),
      })
      .strict(),
    response: AccountStatusSchema,
  },
  /**
   * Finishes the registration with the e-mailed code and signs in. `password` is needed when the
   * status says `passwordNeeded` (passwords are never stored, only held by the running core).
   */
  'account.activate': {
    request: z.object({ email: EmailSchema, code: z.string().regex(/^\d{6}$/, 'the code has 6 digits'), password: PasswordSchema.optional() }).strict(),
    response: AccountStatusSchema,
  },
  /** Asks the server for a new registration code for the waiting registration (the old one stops working). */
  'account.resendCode': { request: Empty, response: AccountStatusSchema },
  /** Forgets the waiting registration: signed out again, ready to register another address. */
  'account.cancelRegistration': { request: Empty, response: AccountStatusSchema },
  /**
   * "Forgot password?": asks the server to e-mail a reset code. The answer is the same whether
   * or not the address has an account (the server mails either way), so it reveals nothing.
   */
  'account.requestPasswordReset': {
    request: z.object({ server: ServerConfigSchema, email: EmailSchema }).strict(),
    response: Empty,
  },
  /**
   * Sets a new password with the e-mailed reset code (`<key>:<code>`, valid one hour). The server
   * ends every session of the account, on every device (seed 002). Then sign in as usual.
   */
  'account.completePasswordReset': {
    request: z.object({ server: ServerConfigSchema, resetCode: z.string().trim().min(3).max(200), password: PasswordSchema }).strict(),
    response: Empty,
  },
  'account.login': {
    request: z
      .object({
        server: ServerConfigSchema,
        email: EmailSchema,
        password: PasswordSchema,
        temporary: z.boolean().default(false),
        verificationCode: z.string().regex(/^\d{6}$/).optional(),
      })
      .strict(),
    response: AccountStatusSchema,
  },
  'account.logout': { request: Empty, response: AccountStatusSchema },
  'account.self': { request: Empty, response: SelfUserSchema },
  /**
   * Changes the display name and/or claims a username (handle: 2–256 of a-z 0-9 _ . -, unique per
   * domain; `handle-exists` when taken). The new name also arrives as `account.changed`.
   */
  'account.updateProfile': {
    request: z
      .object({
        name: z.string().trim().min(1, 'a name cannot be empty').max(128).optional(),
        handle: z
          .string()
          .regex(/^[a-z0-9_.-]{2,256}$/, 'a username is 2 to 256 of a-z, 0-9, _ . and -')
          .optional(),
      })
      .strict()
      .refine((r) => r.name !== undefined || r.handle !== undefined, { message: 'nothing to change' }),
    response: SelfUserSchema,
  },
  /** The account's devices, this one marked, newest first. */
  'account.devices': { request: Empty, response: z.object({ devices: z.array(DeviceSchema) }).strict() },
  /** Unclaimed MLS key packages and Proteus prekeys this device has at the server. */
  'device.keyStock': {
    request: Empty,
    response: z.object({ keyPackages: z.number().int().nonnegative(), prekeys: z.number().int().nonnegative() }).strict(),
  },
  'account.removeDevice': {
    request: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/), password: PasswordSchema }).strict(),
    response: z.object({ devices: z.array(DeviceSchema) }).strict(),
  },
  /** Finds people by handle or complete e-mail address. */
  'users.search': {
    request: z.object({ query: z.string().trim().min(1).max(256) }).strict(),
    response: z
      .object({
        users: z.array(
          z.object({ id: z.string(), domain: z.string(), name: z.string(), handle: z.string().nullable() }).strict(),
        ),
      })
      .strict(),
  },
  /**
   * A user's devices with their MLS fingerprints and verified flags: the devices the server lists
   * plus any a shared group still holds. The fingerprint comes only from a group shared with this
   * device (the key the device really uses), never from the server: null until there is one.
   */
  'users.devices': {
    request: z.object({ user: QualifiedUserSchema }).strict(),
    response: z.object({ devices: z.array(UserDeviceSchema) }).strict(),
  },
  /**
   * Marks a device verified (or, with `verified: false`, no longer verified) after the user
   * compared its fingerprint out of band. The fingerprint must match the key the device uses in
   * a group shared with this device (`device-fingerprint-mismatch`, `device-unknown` otherwise;
   * spaces and case do not matter). A later change of that key makes the device unverified again.
   * Every conversation with the device is re-evaluated: `conversation.changed` and a system
   * message (`message.added`) for each whose state changed.
   */
  'devices.verify': {
    request: z
      .object({
        user: QualifiedUserSchema,
        clientId: z.string().regex(/^[0-9a-f]{16}$/, 'a device id has 16 hexadecimal digits'),
        fingerprint: z.string().min(1).max(1024),
        verified: z.boolean(),
      })
      .strict(),
    response: z
      .object({ device: z.object({ user: z.string(), clientId: z.string(), fingerprint: z.string(), verified: z.boolean() }).strict() })
      .strict(),
  },
  /** Every device in a conversation's MLS group (this one first) with fingerprints and verified flags. */
  'conversations.devices': {
    request: z.object({ conversationId: z.uuid() }).strict(),
    response: z.object({ devices: z.array(ConversationDeviceSchema) }).strict(),
  },
  /**
   * "Send anyway" for a degraded conversation: it becomes `non-verified` (with a system message)
   * and sending works again. A conversation that is not degraded is returned unchanged.
   */
  'conversations.acceptDegraded': { request: z.object({ conversationId: z.uuid() }).strict(), response: ConversationSummarySchema },
  'conversations.list': { request: Empty, response: z.object({ conversations: z.array(ConversationSummarySchema) }).strict() },
  /** Creates an MLS group conversation and adds every device of the given users. */
  'conversations.create': {
    request: z
      .object({ name: z.string().trim().min(1).max(256), members: z.array(QualifiedUserSchema).max(499).default([]) })
      .strict(),
    response: ConversationSummarySchema,
  },
  /** Opens (creating if needed) the 1:1 conversation with one person. */
  'conversations.openOneToOne': { request: z.object({ user: QualifiedUserSchema }).strict(), response: ConversationSummarySchema },
  'conversations.members': {
    request: z.object({ conversationId: z.uuid() }).strict(),
    response: z
      .object({ members: z.array(z.object({ id: z.string(), name: z.string().nullable(), role: z.enum(['admin', 'member']) }).strict()) })
      .strict(),
  },
  /**
   * Mutes a conversation until `until` (epoch ms, in the future; a far-future value means
   * always) or, with null, unmutes it. A muted conversation asks for no desktop notifications.
   */
  'conversations.setMuted': {
    request: z
      .object({ conversationId: z.uuid(), until: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable() })
      .strict(),
    response: ConversationSummarySchema,
  },
  /** Archives a conversation (out of the main list) or brings it back. */
  'conversations.setArchived': {
    request: z.object({ conversationId: z.uuid(), archived: z.boolean() }).strict(),
    response: ConversationSummarySchema,
  },
  /** The user's preferences (defaults for any not set yet). */
  'preferences.get': { request: Empty, response: PreferencesSchema },
  /** Changes some preferences (unknown keys are refused); returns all of them and emits `preferences.changed`. */
  'preferences.set': { request: PreferencesSchema.partial().strict(), response: PreferencesSchema },
  /**
   * The ICE servers for the next call's `RTCPeerConnection` (fetched from the server's
   * `/calls/config` when the kept one is older than its `ttl`). `calls-config-invalid` when the
   * server's answer is malformed, `calls-no-relay` when "Always relay calls" is on but the server
   * offers no TURN server.
   */
  'calls.config': { request: Empty, response: IceConfigSchema },
  /** Leaves a group conversation; its history stays on this device. */
  'conversations.leave': { request: z.object({ conversationId: z.uuid() }).strict(), response: ConversationSummarySchema },
  'conversations.addMembers': {
    request: z.object({ conversationId: z.uuid(), members: z.array(QualifiedUserSchema).min(1).max(499) }).strict(),
    response: ConversationSummarySchema,
  },
  'conversations.removeMember': {
    request: z.object({ conversationId: z.uuid(), member: QualifiedUserSchema }).strict(),
    response: ConversationSummarySchema,
  },
  /** A page of a conversation's history, oldest first: the newest messages, or those just older than `before`. */
  'messages.list': {
    request: z
      .object({
        conversationId: z.uuid(),
        limit: z.number().int().min(1).max(1000).default(100),
        /** Id of the oldest message the caller has: the page ends just before it. */
        before: z.string().min(1).max(128).optional(),
      })
      .strict(),
    response: z.object({ messages: z.array(StoredMessageSchema), hasOlder: z.boolean() }).strict(),
  },
  /** Replaces the text of one of this user's messages, for everyone. */
  /**
   * Replaces the text of one of this user's text messages, and its mentions with `mentions`
   * (as for `messages.send`: members only, inside the new text; none given means none left).
   */
  'messages.edit': {
    request: z
      .object({ conversationId: z.uuid(), messageId: z.string().max(128), text: z.string().min(1).max(MAX_MESSAGE_TEXT), mentions: MentionsRequestSchema.optional() })
      .strict()
      .refine(mentionsInsideText, MENTION_OUTSIDE_TEXT),
    response: StoredMessageSchema,
  },
  /** Deletes one of this user's messages for everyone. */
  'messages.delete': {
    request: z.object({ conversationId: z.uuid(), messageId: z.string().max(128) }).strict(),
    response: z.object({}).strict(),
  },
  /** Sets this user's reaction to a message; an empty emoji removes it. */
  'messages.react': {
    request: z.object({ conversationId: z.uuid(), messageId: z.string().max(128), emoji: z.string().max(64) }).strict(),
    response: z.object({}).strict(),
  },
  /**
   * Sends a file from the local disk: `grant` is the read grant the shell gave for a file the
   * user picked or dropped (spent by this request); the file must be a readable regular file
   * outside the profile folder. `transferId`, chosen by the caller, comes back in the upload's
   * `file.progress` events (the message exists only after the upload). Resolves once the upload
   * finished and the message is stored, `pending`, as `messages.send` does.
   */
  'files.send': {
    request: z.object({ conversationId: z.uuid(), grant: FileGrantSchema, transferId: z.string().min(1).max(128).optional() }).strict(),
    response: StoredMessageSchema,
  },
  /**
   * Sends text the user typed as a .txt file (a message too long to send as text), by the same
   * path as `files.send`: the core writes it to a private temporary file, sends that, and
   * removes it. `name` is a plain file name ending in .txt.
   */
  'files.sendText': {
    request: z
      .object({
        conversationId: z.uuid(),
        name: z
          .string()
          .min(5)
          .max(128)
          .regex(/^[^/\\]+\.txt$/, 'a plain file name ending in .txt')
          .refine((name) => !name.includes('\u0000'), 'a plain file name ending in .txt'),
        text: z.string().min(1).max(MAX_TEXT_FILE),
        transferId: z.string().min(1).max(128).optional(),
      })
      .strict(),
    response: StoredMessageSchema,
  },
  /**
   * Saves a file where the user chose in the shell's save dialog (`grant`, a write grant, spent
   * by this request; a file in an existing folder, outside the profile folder): from the local
   * encrypted cache or downloaded (resuming an interrupted download), hash checked, decrypted,
   * and marked as downloaded from elsewhere as browsers do. Answers the saved file's name, not
   * its path: the page never learns paths.
   */
  'files.download': {
    request: z.object({ assetId: z.string().min(1).max(256), grant: FileGrantSchema }).strict(),
    response: z.object({ name: z.string(), size: z.number().int() }).strict(),
  },
  /**
   * The decrypted bytes of an image file message (PNG, JPEG, GIF, WebP up to 20 MiB) for a
   * preview through a blob: URL; other files are refused (`asset-not-image`,
   * `asset-preview-too-large`). Sent images come from the local cache without a download.
   */
  'files.preview': {
    request: z.object({ assetId: z.string().min(1).max(256) }).strict(),
    response: z.object({ mime: z.string(), bytes: z.instanceof(Uint8Array) }).strict(),
  },
  'messages.typing': {
    request: z.object({ conversationId: z.uuid(), state: z.enum(['started', 'stopped']) }).strict(),
    response: z.object({}).strict(),
  },
  /** The user has seen the conversation: clears its unread count and sends a read receipt. */
  'messages.markRead': { request: z.object({ conversationId: z.uuid() }).strict(), response: z.object({}).strict() },
  /** Searches the text of every stored message, newest first. */
  'messages.search': {
    request: z.object({ text: z.string().trim().min(1).max(256), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    response: z.object({ messages: z.array(StoredMessageSchema) }).strict(),
  },
  /**
   * Sends a text message; resolves as soon as it is stored locally, `pending` (`message.added`
   * comes at the same time): the composer never waits for the server. The outcome follows as
   * `message.updated`: `sent`, or `failed` with `failure` (a code and a sentence) when the server
   * refuses it for good. While the server cannot be reached it stays `pending` and is sent when
   * the connection is back, also after a restart. `quote` makes it a reply to a message of the same conversation (not deleted or hidden:
   * `message-not-found` otherwise). `mentions` must lie inside `text` and name members of the
   * conversation (`mention-not-member` otherwise; nothing is sent).
   */
  'messages.send': {
    request: z
      .object({
        conversationId: z.uuid(),
        text: z.string().min(1).max(MAX_MESSAGE_TEXT),
        /** Makes the message self-deleting: it disappears this long after it is first shown. */
        timerMs: z.number().int().min(1000).max(4 * 7 * 24 * 3600 * 1000).optional(),
        quote: z.object({ messageId: z.string().min(1).max(128) }).strict().optional(),
        mentions: MentionsRequestSchema.optional(),
      })
      .strict()
      .refine(mentionsInsideText, MENTION_OUTSIDE_TEXT),
    response: StoredMessageSchema,
  },
  /**
   * Sends one of this user's `failed` messages again, with the same id and content, in the
   * group's current epoch; resolves with the message once the server accepted it (`sent`), or,
   * while the server cannot be reached, still `pending` (sent when the connection is back).
   * `message.updated` follows each change (`pending`, then `sent` or `failed`). Refused with a
   * sentence for someone else's message (`message-not-yours`), one that is not failed
   * (`message-not-failed`, `message-sending`), a deleted one (`message-deleted`), one in a
   * conversation this user left (`conversation-left`) or, as any send, in a degraded
   * conversation (`conversation-degraded`).
   */
  'messages.retry': {
    request: z.object({ conversationId: z.uuid(), messageId: z.string().min(1).max(128) }).strict(),
    response: StoredMessageSchema,
  },
  /** Knocks ("ping"): a message of kind `knock` without text; receivers are notified. */
  'messages.knock': { request: z.object({ conversationId: z.uuid() }).strict(), response: StoredMessageSchema },
  /**
   * Delete for me: hides a message (anyone's) on this device — gone from the list, the search,
   * the conversation's preview and a reply's quote; `message.hidden` follows. The user's other
   * devices are told through the self-conversation (only their own devices; never listed) and
   * hide it too; the conversation's other members are told nothing. `synced` is false when that
   * could not be sent yet (the message stays hidden here; the news waits in the outbox and is
   * sent once the connection is back, also after a restart) or for a system line, which is local.
   */
  'messages.hide': {
    request: z.object({ conversationId: z.uuid(), messageId: z.string().min(1).max(128) }).strict(),
    response: z.object({ synced: z.boolean() }).strict(),
  },
  /**
   * What a backup file is before asking for its password (or refusing it). `grant`: a read grant
   * for the file the user picked; kept (not spent) so that the import that follows can use it.
   */
  'backup.inspect': {
    request: z.object({ grant: FileGrantSchema }).strict(),
    response: z
      .object({ encrypted: z.boolean(), userId: z.string(), createdAt: z.number(), version: z.number().int() })
      .strict(),
  },
  /**
   * Exports the history to the file the user chose (`grant`, a write grant, spent); encrypted
   * with `password` unless `unencrypted` is chosen explicitly. `file` in the answer is its name.
   */
  'backup.export': {
    request: z
      .union([
        z.object({ grant: FileGrantSchema, password: z.string().min(8).max(1024) }).strict(),
        z.object({ grant: FileGrantSchema, unencrypted: z.literal(true) }).strict(),
      ]),
    response: z
      .object({
        file: z.string(),
        encrypted: z.boolean(),
        conversations: z.number().int(),
        members: z.number().int(),
        messages: z.number().int(),
        reactions: z.number().int(),
        receipts: z.number().int(),
        assets: z.number().int(),
        bytes: z.number().int(),
      })
      .strict(),
  },
  /** Imports the backup the user picked (`grant`, the read grant `backup.inspect` saw; kept until it expires, so a mistyped password can be tried again). */
  'backup.import': {
    request: z
      .object({
        grant: FileGrantSchema,
        password: z.string().min(1).max(1024).optional(),
        allowUnencrypted: z.boolean().default(false),
      })
      .strict(),
    response: z
      .object({
        conversationsAdded: z.number().int(),
        membersAdded: z.number().int(),
        messagesAdded: z.number().int(),
        reactionsAdded: z.number().int(),
        receiptsAdded: z.number().int(),
        assetsAdded: z.number().int(),
        recordsSkipped: z.number().int(),
        encrypted: z.boolean(),
        createdAt: z.number(),
      })
      .strict(),
  },
  'backup.cancel': { request: Empty, response: z.object({ cancelled: z.boolean() }).strict() },
  /** The current state of the connection to the server (also sent as `connection.state` events). */
  'connection.status': { request: Empty, response: ConnectionStateSchema },
  'appLock.status': { request: Empty, response: LockStateSchema },
  /** Turns the lock on: the DB key moves from the keychain to a passcode-wrapped file. */
  'appLock.enable': { request: z.object({ passcode: PasscodeSchema }).strict(), response: LockStateSchema },
  /** Turns the lock off: the key goes back to the keychain (the passcode proves the user). */
  'appLock.disable': { request: z.object({ passcode: PasscodeSchema }).strict(), response: LockStateSchema },
  'appLock.change': {
    request: z.object({ current: PasscodeSchema, next: PasscodeSchema }).strict(),
    response: LockStateSchema,
  },
  'appLock.setAutoLock': {
    request: z.object({ seconds: z.number().int().min(0).max(24 * 3600) }).strict(),
    response: LockStateSchema,
  },
  'appLock.lock': { request: Empty, response: LockStateSchema },
  'appLock.unlock': { request: z.object({ passcode: PasscodeSchema }).strict(), response: LockStateSchema },
  /**
   * No keychain on this computer: before the profile exists, the user picks the passcode that
   * will protect it (the app lock is then on from the start).
   */
  'appLock.choosePasscode': { request: z.object({ passcode: PasscodeSchema }).strict(), response: LockStateSchema },
  /** Forgotten passcode: erase this device's local data and start over signed out. */
  'appLock.forgetDevice': { request: Empty, response: LockStateSchema },
  /** The user did something; restarts the idle countdown. */
  'appLock.activity': { request: Empty, response: z.object({}).strict() },
  ...callRequests,
  ...conferenceRequests,
  ...chatRequestRequests,
} as const satisfies Record<string, Readonly<{ request: z.ZodType; response: z.ZodType }>>;


export type Requests = typeof requests;
export type RequestChannel = keyof Requests;
export type RequestOf<C extends RequestChannel> = z.input<Requests[C]['request']>;
export type ResponseOf<C extends RequestChannel> = z.output<Requests[C]['response']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventOf<E extends EventName> = z.output<Events[E]>;

export function isRequestChannel(channel: string): channel is RequestChannel {
  return Object.hasOwn(requests, channel);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name);
}
