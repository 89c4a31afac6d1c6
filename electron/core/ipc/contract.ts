/**
 * The one typed contract between the renderer (and the CLI/test host) and the core.
 * Every request channel declares its request and response schema; every event its payload
 * schema. The router validates inbound requests with these; the renderer imports only types.
 */
import { z } from 'zod';
import { IceServerSchema } from '../../../protocol/api/calls';
import { SelfUserSchema } from '../../../protocol/api/users';
import { PinListSchema } from '../../../protocol/pins';

const Empty = z.object({}).strict();

/**
 * A file grant (electron/core/services/fileGrants.ts): 32 random bytes in base64url that the
 * shell minted for a file the user picked, dropped or chose to save. Requests that read or write
 * a file take one of these, never a path: a compromised page can only use what the user chose.
 */
export const FileGrantSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a file grant is a 43-character id from a Cairn dialog');

export const ServerConfigSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'the server address must start with https://'),
    // The current pin and backups (seed 002: a set of pinned keys).
    pins: PinListSchema,
  })
  .strict();
export type ServerConfig = z.infer<typeof ServerConfigSchema>;

export const AppInfoSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    apiVersion: z.number().int(),
    platform: z.string(),
    arch: z.string(),
    runtime: z.string(),
    defaultServer: ServerConfigSchema.nullable(),
    /** A server built into this copy of the app: the only one it connects to (see builtInServer.ts). */
    builtInServer: ServerConfigSchema.nullable(),
  })
  .strict();
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const ServerProbeSchema = z
  .object({
    domain: z.string(),
    apiVersion: z.number().int(),
    latencyMs: z.number().nonnegative(),
  })
  .strict();
export type ServerProbe = z.infer<typeof ServerProbeSchema>;

export const ConnectionStateSchema = z
  .object({
    // catching-up: connected, storing what arrived while away; online once all of it is stored.
    state: z.enum(['offline', 'connecting', 'catching-up', 'online', 'pin-mismatch']),
    since: z.number().int(),
  })
  .strict();
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

const EmailSchema = z.string().trim().min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/, 'an e-mail address looks like name@example.org');
const PasswordSchema = z.string().min(1).max(1024);

export const AccountStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('signed-out') }).strict(),
  z
    .object({
      state: z.literal('awaiting-code'),
      email: z.string(),
      server: ServerConfigSchema,
      /** Cairn restarted (or locked) since the registration: the password must be given again with the code. */
      passwordNeeded: z.boolean(),
    })
    .strict(),
  z
    .object({
      state: z.literal('signed-in'),
      server: ServerConfigSchema,
      user: z.object({ id: z.string(), domain: z.string(), email: z.string(), name: z.string() }).strict(),
      temporary: z.boolean(),
      /** This device's client id at the server. */
      clientId: z.string(),
    })
    .strict(),
]);
export type AccountStatus = z.infer<typeof AccountStatusSchema>;

export const DeviceSchema = z
  .object({
    id: z.string(),
    type: z.enum(['permanent', 'temporary']),
    class: z.string(),
    model: z.string().nullable(),
    label: z.string().nullable(),
    registeredAt: z.string(),
    /** True for the computer this app runs on. */
    current: z.boolean(),
    /** Proteus identity fingerprint; known here for this device only (others: when a session exists). */
    fingerprint: z.string().nullable(),
    /**
     * MLS fingerprint: the device's MLS signature public key in lowercase hex, in groups of two
     * bytes (`3f1a 09bc …`), as used in the groups this device shares with it; null while no
     * shared group holds it (then it cannot be verified yet). See crypto/mls/fingerprint.ts.
     */
    mlsFingerprint: z.string().nullable(),
    /** Verified by this user with that fingerprint (`devices.verify`); always true for the current device. */
    verified: z.boolean(),
  })
  .strict();
export type Device = z.infer<typeof DeviceSchema>;

/** Seed 002 verification states; `degraded` blocks sending until `devices.verify` or `conversations.acceptDegraded`. */
export const VerificationStateSchema = z.enum(['non-verified', 'verified', 'degraded']);
export type VerificationState = z.infer<typeof VerificationStateSchema>;

/** One device in a conversation's MLS group, for comparing fingerprints and verifying it. */
export const ConversationDeviceSchema = z
  .object({
    /** `user-uuid@domain` */
    user: z.string(),
    userName: z.string().nullable(),
    clientId: z.string(),
    /** The MLS fingerprint (see `Device.mlsFingerprint`) of the key this device uses in the group. */
    fingerprint: z.string(),
    verified: z.boolean(),
    /** The device this app runs on: trusted without verification. */
    current: z.boolean(),
  })
  .strict();
export type ConversationDevice = z.infer<typeof ConversationDeviceSchema>;

/** One device of a user (`users.devices`). */
export const UserDeviceSchema = z
  .object({
    clientId: z.string(),
    /** Device class from the server; null for a device the server no longer lists but a shared group still holds. */
    class: z.string().nullable(),
    /** MLS fingerprint of the key it uses in a group shared with this device; null while none holds it. */
    fingerprint: z.string().nullable(),
    verified: z.boolean(),
    current: z.boolean(),
  })
  .strict();
export type UserDevice = z.infer<typeof UserDeviceSchema>;

export const ConversationSummarySchema = z
  .object({
    id: z.string(),
    domain: z.string(),
    kind: z.enum(['group', 'one-to-one']),
    name: z.string().nullable(),
    memberCount: z.number().int().nonnegative(),
    lastActivityAt: z.number().int(),
    lastMessage: z.string().nullable(),
    /** This device is no longer in the conversation (removed or left); its history stays. */
    left: z.boolean(),
    /** The MLS epoch this device is at, or null before it joined the group. */
    epoch: z.number().int().nullable(),
    /** Messages from others this user has not read yet. */
    unread: z.number().int().nonnegative(),
    /**
     * Seed 002: `verified` when every device in the group is verified (show a shield);
     * `degraded` when it was verified and an unverified device or member joined: sending fails
     * with `conversation-degraded` until the user verifies them or calls `conversations.acceptDegraded`.
     */
    verification: VerificationStateSchema,
    /** Muted until this time (epoch ms; a far-future value means always), or null when not muted. Muted: no `notify`. */
    mutedUntil: z.number().int().nullable(),
    /** Moved out of the main list by the user; a new message from someone else brings it back unless it is muted. */
    archived: z.boolean(),
  })
  .strict();
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;

/**
 * The user's preferences, kept in the encrypted store (`settings` namespace of the kv table).
 * - `desktopNotifications`: off means the core emits no `notify` event at all.
 * - `notificationContent`: what a notification shows (Signal's "name and message / name only /
 *   no name or message"): `name-only` → title is the sender (and group), body "New message";
 *   `nothing` → title "Cairn", body "New message".
 * - `theme`: `system` follows the OS; `light`/`dark` override it (the renderer applies it).
 * - `sendReadReceipts`: off means this device sends no read receipts and, as in Signal, drops
 *   the read receipts of others that arrive meanwhile (they are not shown, not even later).
 * - `sendTypingIndicators`: off means this device sends no typing news and shows none of others'.
 * - `calls.alwaysRelay` ("Always relay calls", off by default): calls use relay (TURN) candidates
 *   only, so the peer never learns this computer's IP address; costs some latency (`calls.config`).
 */
export const PreferencesSchema = z
  .object({
    desktopNotifications: z.boolean(),
    notificationContent: z.enum(['name-and-message', 'name-only', 'nothing']),
    theme: z.enum(['system', 'light', 'dark']),
    sendReadReceipts: z.boolean(),
    sendTypingIndicators: z.boolean(),
    'calls.alwaysRelay': z.boolean(),
  })
  .strict();
export type Preferences = z.infer<typeof PreferencesSchema>;

/**
 * The part of an `RTCConfiguration` the core decides for a call: the server's TURN servers with
 * their credentials, and `relay` when the user chose "Always relay calls".
 */
export const IceConfigSchema = z
  .object({
    iceServers: z.array(IceServerSchema.strict()),
    iceTransportPolicy: z.enum(['all', 'relay']),
  })
  .strict();
export type IceConfig = z.infer<typeof IceConfigSchema>;

export const StoredMessageSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    /** `user-uuid@domain` */
    sender: z.string(),
    /** The sender's display name when known. */
    senderName: z.string().nullable(),
    senderClient: z.string(),
    kind: z.enum(['text', 'asset', 'knock', 'system', 'undecryptable']),
    text: z.string().nullable(),
    sentAt: z.number().int(),
    status: z.enum(['pending', 'sent', 'failed', 'received']),
    editedAt: z.number().int().nullable(),
    /** Deleted for everyone by its sender: the text is gone, a placeholder remains. */
    deleted: z.boolean(),
    reactions: z.array(z.object({ emoji: z.string(), users: z.array(z.string()) }).strict()),
    /** Who has read this message (read receipts; only for this user's own messages). */
    readBy: z.array(z.string()),
    /**
     * Whose devices have stored this message (delivery receipts, `user-uuid@domain`; only for
     * this user's own messages). Always sent, whatever `sendReadReceipts` says, as in Signal.
     */
    deliveredTo: z.array(z.string()),
    /**
     * A reply: the message it quotes, as this device knows it now. `sender`/`senderName` are null
     * when the quoted message is not on this device (older than the device, say); `text` is the
     * quoted message's current text (a file's name for a file), null when it was deleted, hidden
     * or is unknown; `edited` is true when that text differs from what the replier quoted.
     */
    quote: z
      .object({
        messageId: z.string(),
        sender: z.string().nullable(),
        senderName: z.string().nullable(),
        text: z.string().nullable(),
        edited: z.boolean(),
      })
      .strict()
      .nullable(),
    /**
     * Mentions in `text`: `start`/`length` in UTF-16 code units (JavaScript string indices),
     * `user` is `user-uuid@domain`. Mentions of people who are not members were dropped on receipt.
     */
    mentions: z.array(z.object({ start: z.number().int(), length: z.number().int(), user: z.string() }).strict()),
    /** One of the mentions names this user: notified even in a muted conversation (Signal's default). */
    mentionsMe: z.boolean(),
    /** Self-deleting: lifetime once shown, and when it disappears (null until the countdown starts). */
    timerMs: z.number().int().nullable(),
    expiresAt: z.number().int().nullable(),
    /** For file messages: what the file is, and where a downloaded copy was saved. */
    asset: z
      .object({ id: z.string(), name: z.string(), mime: z.string(), size: z.number().int(), savedAt: z.string().nullable() })
      .strict()
      .nullable(),
  })
  .strict();
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

/**
 * The longest text message, in UTF-16 code units (what JavaScript's `length` counts). The
 * composer counts down to it and offers a longer text as a .txt file instead.
 */
export const MAX_MESSAGE_TEXT = 8000;

/** The longest text `files.sendText` takes (UTF-16 code units): a long paste, not a way to move data. */
export const MAX_TEXT_FILE = 1_000_000;

const QualifiedUserSchema = z.object({ id: z.uuid(), domain: z.string().min(1).max(253) }).strict();

/** Mentions in a text to send or an edit: `start`/`length` in UTF-16 code units of `text`, as a JavaScript string counts them. */
const MentionsRequestSchema = z
  .array(z.object({ start: z.number().int().nonnegative(), length: z.number().int().positive(), user: QualifiedUserSchema }).strict())
  .max(64);
const mentionsInsideText = (r: Readonly<{ text: string; mentions?: ReadonlyArray<{ start: number; length: number }> | undefined }>): boolean =>
  (r.mentions ?? []).every((m) => m.start + m.length <= r.text.length);
const MENTION_OUTSIDE_TEXT = { message: 'a mention lies outside the text', path: ['mentions'] };

export const LockStateSchema = z
  .object({
    enabled: z.boolean(),
    locked: z.boolean(),
    autoLockSeconds: z.number().int().nonnegative(),
    /** How long until another passcode may be tried after too many wrong ones. */
    retryAfterMs: z.number().int().nonnegative(),
    /**
     * The server's administrator requires the lock (`GET /feature-configs`): it cannot be turned
     * off, and while it is off the UI must ask for a passcode.
     */
    enforced: z.boolean(),
    /** While enforced: the longest auto-lock time allowed (`autoLockSeconds` never exceeds it); otherwise null. */
    maxAutoLockSeconds: z.number().int().positive().nullable(),
  })
  .strict();
export type LockState = z.infer<typeof LockStateSchema>;

const PasscodeSchema = z.string().min(1).max(1024);

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
   * `file.progress` events (the message exists only after the upload).
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
   * Sends a text message; resolves once it is stored locally and accepted by the server.
   * `quote` makes it a reply to a message of the same conversation (not deleted or hidden:
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
   * group's current epoch; resolves with the message once the server accepted it (`sent`).
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
} as const satisfies Record<string, Readonly<{ request: z.ZodType; response: z.ZodType }>>;

export const events = {
  'connection.state': ConnectionStateSchema,
  /** Whether a call is running on this device; the shell grants camera/microphone only then. */
  'call.state': z.object({ active: z.boolean() }).strict(),
  'appLock.state': LockStateSchema,
  /** Another device was added to the account (seed 002: every device is told). */
  'device.added': z
    .object({
      id: z.string(),
      label: z.string().nullable(),
      model: z.string().nullable(),
      type: z.enum(['permanent', 'temporary']),
      at: z.string(),
    })
    .strict(),
  'device.removed': z.object({ id: z.string() }).strict(),
  /**
   * Something shown in a conversation's summary changed, its verification state included.
   * With `summary` (the row as it is now) the UI patches that one row; without it the UI reads
   * the conversation again. `id: '*'` means every conversation changed (a backup was restored).
   */
  'conversation.changed': z.object({ id: z.string(), summary: ConversationSummarySchema.optional() }).strict(),
  'message.added': StoredMessageSchema,
  /** A message from someone else arrived: the shell shows a desktop notification. */
  notify: z.object({ conversationId: z.string(), title: z.string().max(256), body: z.string().max(512) }).strict(),
  /** The user's preferences changed (on this device). */
  'preferences.changed': PreferencesSchema,
  /** Someone in a conversation started or stopped typing. */
  typing: z.object({ conversationId: z.string(), user: z.string(), state: z.enum(['started', 'stopped']) }).strict(),
  /**
   * Bytes of a file sent or received so far. Ties to the UI through `messageId`/`assetId`
   * (downloads and previews) or the `transferId` given to `files.send` (uploads, before the
   * message exists; one is made up when none was given).
   */
  'file.progress': z
    .object({
      direction: z.enum(['upload', 'download']),
      transferId: z.string(),
      conversationId: z.string(),
      assetId: z.string().nullable(),
      messageId: z.string().nullable(),
      name: z.string(),
      done: z.number().int().nonnegative(),
      total: z.number().int().nonnegative().nullable(),
    })
    .strict(),
  /** A stored message changed: edited, deleted, its reactions or receipts. */
  'message.updated': StoredMessageSchema,
  /** A message was hidden on this device ("delete for me"): take it out of the list. */
  'message.hidden': z.object({ conversationId: z.string(), messageId: z.string() }).strict(),
  'backup.progress': z
    .object({
      operation: z.enum(['export', 'import']),
      stage: z.enum(['deriving-key', 'copying', 'finishing']),
      records: z.number().int().nonnegative(),
      recordsTotal: z.number().int().nonnegative().nullable(),
      bytes: z.number().int().nonnegative(),
      bytesTotal: z.number().int().nonnegative().nullable(),
    })
    .strict(),
  /** The account state changed without the UI asking (this device was removed, say). */
  'account.changed': AccountStatusSchema,
} as const satisfies Record<string, z.ZodType>;

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
