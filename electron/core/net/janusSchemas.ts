/**
 * zod schemas for every answer of the Janus REST API and its VideoRoom plugin that the core
 * reads (Janus 1.1.2). Answers are `unknown` until parsed here; fields the core does not use are
 * passed over, not trusted.
 */
import { z } from 'zod';

/** Janus ids (sessions, handles, rooms, participants) are JavaScript-safe integers (utils.c `janus_random_uint64`). */
export const JanusIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const JanusErrorSchema = z.object({
  janus: z.literal('error'),
  transaction: z.string().optional(),
  error: z.object({ code: z.number().int(), reason: z.string() }),
});

export const JanusSuccessIdSchema = z.object({
  janus: z.literal('success'),
  transaction: z.string(),
  data: z.object({ id: JanusIdSchema }),
});

export const JsepSchema = z.object({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().max(256 * 1024),
  e2ee: z.boolean().optional(),
});
export type Jsep = z.infer<typeof JsepSchema>;

export const PluginDataSchema = z.object({
  plugin: z.string(),
  data: z.record(z.string(), z.unknown()),
});

/** A synchronous plugin answer (`success` with plugindata) or an asynchronous one (`event`). */
export const PluginAnswerSchema = z.object({
  janus: z.enum(['success', 'event']),
  transaction: z.string().optional(),
  sender: JanusIdSchema.optional(),
  plugindata: PluginDataSchema,
  jsep: JsepSchema.optional(),
});
export type PluginAnswer = z.infer<typeof PluginAnswerSchema>;

/** Anything the long poll delivers; only the envelope is checked here. */
export const PolledEventSchema = z.object({
  janus: z.string(),
  transaction: z.string().optional(),
  sender: JanusIdSchema.optional(),
  session_id: JanusIdSchema.optional(),
});
export const PollAnswerSchema = z.union([z.array(z.unknown()).max(100), z.unknown()]);

/** VideoRoom reports its own refusals inside plugindata (e.g. 433 "Room requires end-to-end encrypted media"). */
export const VideoRoomErrorSchema = z.object({ error_code: z.number().int(), error: z.string() });

export const RoomCreatedSchema = z.object({ videoroom: z.literal('created'), room: JanusIdSchema });
export const RoomDestroyedSchema = z.object({ videoroom: z.literal('destroyed'), room: JanusIdSchema });

const StreamSchema = z.object({ type: z.string(), mid: z.string(), disabled: z.boolean().optional() });
const PublisherSchema = z.object({ id: JanusIdSchema, streams: z.array(StreamSchema).max(64).optional() });

export const PublisherJoinedSchema = z.object({
  videoroom: z.literal('joined'),
  room: JanusIdSchema,
  id: JanusIdSchema,
  publishers: z.array(PublisherSchema).max(1000),
});

export const ConfiguredSchema = z.object({ videoroom: z.literal('event'), configured: z.literal('ok') });

export const SubscriberAttachedSchema = z.object({
  videoroom: z.literal('attached'),
  room: JanusIdSchema,
  streams: z
    .array(z.object({ type: z.string(), mid: z.string(), feed_id: JanusIdSchema.optional(), feed_mid: z.string().optional() }))
    .max(256),
});

export const StartedSchema = z.object({ videoroom: z.literal('event'), started: z.literal('ok') });

const SubscribedStreamSchema = z.object({
  type: z.string(),
  mid: z.string(),
  feed_id: JanusIdSchema.optional(),
  feed_mid: z.string().optional(),
  /** Janus keeps the m-line of a stream whose publisher left, marked inactive. */
  active: z.boolean().optional(),
});

/** A subscription changed (`update`, or a publisher left): the streams now, with a new offer in the jsep. */
export const SubscriberUpdatedSchema = z.object({
  videoroom: z.literal('updated'),
  room: JanusIdSchema,
  streams: z.array(SubscribedStreamSchema).max(256).optional(),
});

/**
 * VideoRoom's news on a publisher handle: publishers that began publishing, one that stopped
 * (`unpublished`) or left the room (`leaving`). Ids only: the SFU knows no one by name.
 */
export const RoomNewsSchema = z.object({
  videoroom: z.literal('event'),
  room: JanusIdSchema.optional(),
  publishers: z.array(PublisherSchema).max(1000).optional(),
  unpublished: z.union([JanusIdSchema, z.literal('ok')]).optional(),
  leaving: z.union([JanusIdSchema, z.literal('ok')]).optional(),
});
