/**
 * The conference part of the IPC contract (issue 14): group calls through an SFU (Janus
 * VideoRoom) that sees only SFrame ciphertext. contract.ts and eventSchemas.ts spread these in.
 *
 * Division of work (docs/ARCHITECTURE.md, "Calls: conferences"):
 * - The core owns everything that names people or holds secrets: the conference start message
 *   (call secret and chosen SFU, inside the conversation's MLS group), the call's own MLS group
 *   (conference/conferenceGroup.ts), the key schedule and ratchet clock, and every request to
 *   Janus (pinned TLS, token, ids derived from the call secret). The renderer never sees the call
 *   secret, the SFU's address or token, or MLS state.
 * - The renderer owns the media: one publishing RTCPeerConnection and one subscribing
 *   RTCPeerConnection per conference, both with the SFrame frame worker. It hands the core its
 *   publish offer and its subscription answers; it gets the SFU's answer and subscription offers
 *   (with which stream belongs to which participant) and the frame keys as events.
 *
 * Order, joining side: `conferences.join` (or `conferences.start`) → `conferences.frameKey` →
 * the renderer creates its publishing connection → `conferences.publish` with the offer (answer
 * returned) → `conference.subscription` offers, each answered with `conferences.answerSubscription`
 * → `conferences.report` connected. Keys: each `conference.frameKey` event (new epoch, or the next
 * 30 s ratchet step) is installed in the worker as it comes.
 */
import { z } from 'zod';
import { SdpSchema } from '../../../protocol/content/callSchema';
import { CallMediaSchema } from './callSchemas';

/** The conference's id: the id of its start message's call, a UUID the starting device chose. */
export const ConferenceIdSchema = z.uuid({ error: 'the conference id must be a UUID' });

const UserRefSchema = z.object({ id: z.string(), domain: z.string() }).strict();

/** One device in the conference, as this device's view of the call group has it. */
export const ConferenceParticipantSchema = z
  .object({
    user: UserRefSchema,
    clientId: z.string(),
    /** This device itself. */
    self: z.boolean(),
    /** Leaf index in the call group: the sender part of its frames' KID. */
    leaf: z.number().int().min(0).max(0xff),
    /** Its publisher id on the SFU (derived from the call secret), or null before it publishes. */
    feed: z.number().int().nonnegative().nullable(),
    muted: z.boolean(),
    cameraOff: z.boolean(),
    sharing: z.boolean(),
  })
  .strict();
export type ConferenceParticipant = z.infer<typeof ConferenceParticipantSchema>;

export const ConferenceEndReasonSchema = z.discriminatedUnion('kind', [
  /** This device left. */
  z.object({ kind: z.literal('left') }).strict(),
  /** Everyone left; the call group is gone. */
  z.object({ kind: z.literal('ended') }).strict(),
  /** The key generator removed this device (silent too long, or no longer a member of the conversation). */
  z.object({ kind: z.literal('removed') }).strict(),
  z.object({ kind: z.literal('failed'), code: z.enum(['sfu-unreachable', 'sfu-refused', 'ice-failed', 'dtls-failed', 'join-failed', 'timeout']) }).strict(),
]);

/** What `conference.state` says about one conference of a conversation. No SDP, no secret, no SFU address. */
export const ConferenceViewSchema = z
  .object({
    conferenceId: ConferenceIdSchema,
    conversationId: z.string(),
    startedBy: UserRefSchema,
    media: CallMediaSchema,
    /** Conference audio is always constant bit rate (issue 14: packet sizes must not tell who speaks). */
    cbr: z.literal(true),
    /**
     * `available`: running in the conversation, this device is not in it (offer "Join").
     * `joining`: call group and SFU being joined, media being set up. `joined`: in the call.
     * `ended`: this device is out (see `reason`), or the conference is over.
     */
    phase: z.enum(['available', 'joining', 'joined', 'ended']),
    since: z.number(),
    participants: z.array(ConferenceParticipantSchema).max(256),
    reason: ConferenceEndReasonSchema.optional(),
  })
  .strict();
export type ConferenceViewPayload = z.infer<typeof ConferenceViewSchema>;

/**
 * One sending key of the conference for the frame worker: the call group's epoch base key
 * (MLS-Exporter("SFrame 1.0 Base Key", call group id, 32), RFC 9605 §5.2) as unpadded base64url,
 * this device's leaf, and the ratchet step now due (`step` n of an epoch falls due at the
 * epoch's start plus n × 30 s on the server's clock; the worker ratchets its own sender to it and
 * derives other senders' steps on demand). Only this crosses IPC, never MLS state.
 */
export const ConferenceFrameKeySchema = z
  .object({
    conferenceId: ConferenceIdSchema,
    epoch: z.number().int().nonnegative(),
    baseKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the base key must be 32 bytes in base64url'),
    selfLeaf: z.number().int().min(0).max(0xff),
    step: z.number().int().nonnegative(),
  })
  .strict();

/** Which participant a subscribed stream carries (the SFU names feeds only by derived ids). */
export const ConferenceStreamSchema = z
  .object({
    mid: z.string().max(32),
    kind: CallMediaSchema,
    feed: z.number().int().nonnegative(),
    /** The sender's leaf, so the UI and the worker's per-sender counters can name the tile. */
    leaf: z.number().int().min(0).max(0xff),
  })
  .strict();

/** The SFU's offer for this device's subscribing connection; a later `version` replaces an earlier one (someone joined or left). */
export const ConferenceSubscriptionSchema = z
  .object({
    conferenceId: ConferenceIdSchema,
    version: z.number().int().nonnegative(),
    offer: SdpSchema,
    streams: z.array(ConferenceStreamSchema).max(512),
  })
  .strict();

/** What the renderer's connections report. */
export const ConferenceReportSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('connected') }).strict(),
  z.object({ kind: z.literal('connection-failed'), code: z.enum(['ice-failed', 'dtls-failed']) }).strict(),
  /**
   * Leaves whose frames this device decrypted since the last report (sent every few seconds):
   * the key generator removes devices not heard from for 20 s (keySchedule.ts SILENCE_LIMIT_MS).
   */
  z.object({ kind: z.literal('heard'), leaves: z.array(z.number().int().min(0).max(0xff)).max(256) }).strict(),
]);

const ConferenceIdRequest = z.object({ conferenceId: ConferenceIdSchema }).strict();

export const ConferenceMediaStateSchema = z.object({ muted: z.boolean(), cameraOff: z.boolean(), sharing: z.boolean() }).strict();

export const conferenceRequests = {
  /**
   * Starts a conference in a group conversation: creates its call group, picks an SFU from a
   * fresh `GET /calls/config`, creates the room and sends the start message. Refused with
   * `call-busy` (a call or conference is live on this device), `conference-no-sfu` (the server
   * lists none), `call-no-calls-here` (not a group conversation) or `conversation-not-found`.
   */
  'conferences.start': {
    request: z.object({ conversationId: z.uuid(), media: CallMediaSchema }).strict(),
    response: ConferenceViewSchema,
  },
  /** Joins an `available` conference (external commit into its call group, then the SFU room). */
  'conferences.join': { request: z.object({ conferenceId: ConferenceIdSchema, media: CallMediaSchema }).strict(), response: ConferenceViewSchema },
  /** Publishes this device's media: the SFU's answer to the renderer's offer (always `e2ee`). */
  'conferences.publish': {
    request: z.object({ conferenceId: ConferenceIdSchema, offer: SdpSchema }).strict(),
    response: z.object({ answer: SdpSchema }).strict(),
  },
  /** Answers `conference.subscription` of that `version`; an older version's answer is refused (`conference-stale-subscription`). */
  'conferences.answerSubscription': {
    request: z.object({ conferenceId: ConferenceIdSchema, version: z.number().int().nonnegative(), answer: SdpSchema }).strict(),
    response: z.object({}).strict(),
  },
  /** Tells the other participants this device's mute, camera and sharing state (inside MLS). */
  'conferences.setMedia': {
    request: z.object({ conferenceId: ConferenceIdSchema, media: ConferenceMediaStateSchema }).strict(),
    response: z.object({}).strict(),
  },
  'conferences.report': {
    request: z.object({ conferenceId: ConferenceIdSchema, report: ConferenceReportSchema }).strict(),
    response: z.object({}).strict(),
  },
  /** The current key (after a window opened late, or before publishing); `conference-not-joined` otherwise. */
  'conferences.frameKey': { request: ConferenceIdRequest, response: ConferenceFrameKeySchema },
  /** The latest subscription offer (a window that opened after the call began). */
  'conferences.subscription': { request: ConferenceIdRequest, response: ConferenceSubscriptionSchema },
  /** Leaves the conference: Janus handles detached, the call group told, keys forgotten. */
  'conferences.leave': { request: ConferenceIdRequest, response: ConferenceViewSchema },
  /** Every conference this device knows that has not ended, joined or available. */
  'conferences.list': { request: z.object({}).strict(), response: z.object({ conferences: z.array(ConferenceViewSchema) }).strict() },
} as const;

export const conferenceEvents = {
  /** One conference's state after every change: phase, participants and their media state. */
  'conference.state': ConferenceViewSchema,
  /** A new subscription offer from the SFU (first one, or someone joined, left or changed streams). */
  'conference.subscription': ConferenceSubscriptionSchema,
  /** A new epoch key, or the next ratchet step of the current one. */
  'conference.frameKey': ConferenceFrameKeySchema,
} as const;
