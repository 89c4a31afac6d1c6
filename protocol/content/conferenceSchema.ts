/**
 * Conference signalling content (issue 14): what devices of a group conversation say about a
 * group call. Like the 1:1 call messages (callSchema.ts) these travel only as ordinary E2EE
 * application messages of the conversation, padded like text (messagePadding.ts): the server
 * sees a message of the usual size, never that a call started, and the SFU sees none of them
 * (seed 000 "Meta data"; seed 001 "Privacy": the per-call secret is shared among the devices and
 * only ephemeral ids derived from it reach the SFU).
 *
 * Each schema says what it refuses; a decrypted payload that does not fit is dropped as
 * malformed (codec.ts), never half-used.
 */
import { z } from 'zod';

/** Chosen by the starting device, random (UUID form). */
export const ConferenceIdSchema = z.uuid({ error: 'the conference id must be a UUID' });

/** RFC 9605/ephemeralIds.ts: the per-call secret is exactly 32 random bytes. */
export const CONFERENCE_SECRET_BYTES = 32;

/**
 * Starts a conference: sent once by the starting device in the group conversation. Everyone in
 * the conversation may join (`available`); joining needs the call group (`callGroupId`, the
 * server's subconversation id, itself a UUID) and the SFU, whose token each device fetches
 * itself from a fresh `GET /calls/config` by `sfuUrl` (a token is never passed on).
 */
export const ConferenceStartContentSchema = z
  .object({
    type: z.literal('conference-start'),
    conferenceId: ConferenceIdSchema,
    callGroupId: z.uuid({ error: 'the call group id must be a UUID' }),
    /** The per-call secret: the SFU room id, pin, secret and every publisher id derive from it (ephemeralIds.ts). */
    secret: z.instanceof(Uint8Array).refine((bytes) => bytes.length === CONFERENCE_SECRET_BYTES, `the call secret must be ${CONFERENCE_SECRET_BYTES} bytes`),
    /** As listed in `sftServers` of `/calls/config` (protocol/api/calls.ts refuses plain http to anything but loopback). */
    sfuUrl: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/\S+$/, 'the SFU address must start with https://'),
    media: z.enum(['audio', 'video'], { error: 'media must be "audio" or "video"' }),
  })
  .strict();

/** Ends a conference: sent by the last device to leave, so devices that show it as running stop. */
export const ConferenceEndContentSchema = z.object({ type: z.literal('conference-end'), conferenceId: ConferenceIdSchema }).strict();

/** The sender's media in the conference, for the others' tiles. */
export const ConferenceMediaContentSchema = z
  .object({
    type: z.literal('conference-media'),
    conferenceId: ConferenceIdSchema,
    muted: z.boolean({ error: 'muted must be true or false' }),
    cameraOff: z.boolean({ error: 'cameraOff must be true or false' }),
    sharing: z.boolean({ error: 'sharing must be true or false' }),
  })
  .strict();

/** Every conference content schema; the content union in schema.ts spreads this list. */
export const CONFERENCE_CONTENT_SCHEMAS = [ConferenceStartContentSchema, ConferenceEndContentSchema, ConferenceMediaContentSchema] as const;

export const ConferenceContentSchema = z.discriminatedUnion('type', [...CONFERENCE_CONTENT_SCHEMAS]);
export type ConferenceContent = z.infer<typeof ConferenceContentSchema>;
