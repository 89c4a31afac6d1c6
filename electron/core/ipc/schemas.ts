/**
 * The shapes the IPC contract (contract.ts) is built from: the values requests and events carry
 * (accounts, conversations, messages, devices, preferences, the lock). contract.ts re-exports
 * them, so importers name only the contract.
 */
import { z } from 'zod';
import { IceServerSchema } from '../../../protocol/api/calls';
import { PinListSchema } from '../../../protocol/pins';

export const Empty = z.object({}).strict();

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
    /**
     * Settings that IT fixed on this computer (machine policy, protocol/machinePolicy.ts), so the
     * settings screens show them as set by the organisation instead of a choice that does nothing.
     * (The server and the app lock show theirs through `builtInServer` and `appLock.status`.)
     */
    managed: z.object({ alwaysRelay: z.boolean() }).strict(),
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

export const EmailSchema = z.string().trim().min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/, 'an e-mail address looks like name@example.org');
export const PasswordSchema = z.string().min(1).max(1024);

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
 * - `calls.constantBitRate` ("Constant bit rate", off by default): this side asks for Opus
 *   `cbr=1` in 1:1 calls (either side asking is enough, seed 002 "Calling / Encoding");
 *   conferences always use it.
 * - `calls.microphone`, `calls.camera`, `calls.speaker`: the media device ids the user chose
 *   (`MediaDeviceInfo.deviceId`, which Chromium keeps per origin); null means the system default.
 */
export const PreferencesSchema = z
  .object({
    desktopNotifications: z.boolean(),
    notificationContent: z.enum(['name-and-message', 'name-only', 'nothing']),
    theme: z.enum(['system', 'light', 'dark']),
    sendReadReceipts: z.boolean(),
    sendTypingIndicators: z.boolean(),
    'calls.alwaysRelay': z.boolean(),
    'calls.constantBitRate': z.boolean(),
    'calls.microphone': z.string().max(512).nullable(),
    'calls.camera': z.string().max(512).nullable(),
    'calls.speaker': z.string().max(512).nullable(),
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
    /**
     * Why one of this user's messages was not sent (`status` `failed`): a stable code and a
     * sentence for the user (core/net/classifyFailure.ts). Null for every other message, and for
     * a message that failed before Cairn kept the reason.
     */
    failure: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
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

export const QualifiedUserSchema = z.object({ id: z.uuid(), domain: z.string().min(1).max(253) }).strict();

/** Mentions in a text to send or an edit: `start`/`length` in UTF-16 code units of `text`, as a JavaScript string counts them. */
export const MentionsRequestSchema = z
  .array(z.object({ start: z.number().int().nonnegative(), length: z.number().int().positive(), user: QualifiedUserSchema }).strict())
  .max(64);
export const mentionsInsideText = (r: Readonly<{ text: string; mentions?: ReadonlyArray<{ start: number; length: number }> | undefined }>): boolean =>
  (r.mentions ?? []).every((m) => m.start + m.length <= r.text.length);
export const MENTION_OUTSIDE_TEXT = { message: 'a mention lies outside the text', path: ['mentions'] };

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

export const PasscodeSchema = z.string().min(1).max(1024);

