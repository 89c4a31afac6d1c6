/**
 * The events of the IPC contract (contract.ts re-exports them): what the core tells the
 * renderer without being asked, each with the schema its payload is checked against on both
 * sides (EventHub before sending, the bridge on arrival).
 */
import { z } from 'zod';
import { callEvents } from './callSchemas';
import { conferenceEvents } from './conferenceSchemas';
import { chatRequestEvents } from './chatRequestSchemas';
import {
  AccountStatusSchema,
  ConnectionStateSchema,
  ConversationSummarySchema,
  LockStateSchema,
  PreferencesSchema,
  StoredMessageSchema,
} from './schemas';

export const events = {
  'connection.state': ConnectionStateSchema,
  ...callEvents,
  ...conferenceEvents,
  ...chatRequestEvents,
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
  notify: z
    .object({
      conversationId: z.string(),
      title: z.string().max(256),
      body: z.string().max(512),
      /**
       * Set on call notices (session/calls/callService.ts): the shell shows an incoming call alone
       * (never batched with messages), with Accept and Decline where the platform has actions, and
       * closes it when ringing stops; it routes the chosen action to the page by `callId`.
       */
      call: z.object({ callId: z.uuid(), notice: z.enum(['incoming-call', 'missed-call']), media: z.enum(['audio', 'video']) }).strict().optional(),
    })
    .strict(),
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
