/**
 * The call part of the IPC contract (issue 13): what the renderer asks the core's call service
 * and what the core tells it about calls. contract.ts and eventSchemas.ts spread these in.
 *
 * Division of work (docs/ARCHITECTURE.md, "Calls"):
 * - The core owns the call state machine (electron/core/calls/), sends and receives every call
 *   message inside MLS, derives the frame keys, writes history lines and notifies.
 * - The renderer owns the media: one RTCPeerConnection per call (renderer/calls/callSession.ts)
 *   with frame encryption. It hands the core its own descriptions (offer, answer, ICE restart)
 *   and reports what the connection does; it gets the peer's descriptions and the frame keys
 *   back as events. No SDP reaches the UI state, no MLS state reaches the renderer.
 *
 * Order of a 1:1 call, caller side: `calls.prepare` (the call gets its id and the shell may open
 * the microphone and camera) → the renderer gathers its ICE candidates → `calls.start` with the
 * offer → `call.description` (answer) → `calls.report` connected. Callee side: `call.state`
 * incoming + `call.description` (offer) → Accept → `calls.accept` with the answer → `calls.report`
 * connected. Both sides fetch `calls.frameKey` before applying the peer's description and take
 * each later `call.frameKey` event (a commit in the conversation gives a new epoch key).
 */
import { z } from 'zod';
import { CallIdSchema, DtlsFingerprintSchema, SdpSchema } from '../../../protocol/content/callSchema';

export const CallMediaSchema = z.enum(['audio', 'video']);

/** One side's session description with the DTLS fingerprint it commits to (protocol/content/callSchema.ts). */
export const CallDescriptionSchema = z.object({ sdp: SdpSchema, fingerprint: DtlsFingerprintSchema }).strict();

const UserRefSchema = z.object({ id: z.string(), domain: z.string() }).strict();

export const PeerMediaSchema = z.object({ muted: z.boolean(), cameraOff: z.boolean(), sharing: z.boolean() }).strict();

export const CallFailureCodeSchema = z.enum(['ice-failed', 'dtls-failed', 'fingerprint-mismatch', 'timeout']);

/** How a call ended, from this device's side (electron/core/calls/callTypes.ts `EndReason`). */
export const CallEndReasonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('declined') }).strict(),
  z.object({ kind: z.literal('cancelled') }).strict(),
  z.object({ kind: z.literal('busy') }).strict(),
  z.object({ kind: z.literal('no-answer') }).strict(),
  z.object({ kind: z.literal('answered-elsewhere') }).strict(),
  z.object({ kind: z.literal('failed'), code: CallFailureCodeSchema }).strict(),
  z.object({ kind: z.literal('completed'), durationMs: z.number().nonnegative().nullable() }).strict(),
]);

/** What `call.state` says about one call (electron/core/calls/callTypes.ts `CallView`). No SDP. */
export const CallViewSchema = z
  .object({
    callId: z.uuid(),
    conversationId: z.string(),
    peer: UserRefSchema,
    direction: z.enum(['outgoing', 'incoming']),
    media: CallMediaSchema,
    cbr: z.boolean(),
    phase: z.enum(['outgoing', 'incoming', 'elsewhere', 'connecting', 'active', 'ended']),
    since: z.number(),
    reason: CallEndReasonSchema.optional(),
    peerMedia: PeerMediaSchema.optional(),
  })
  .strict();
export type CallViewPayload = z.infer<typeof CallViewSchema>;

/**
 * One epoch's SFrame base key for the renderer's frame worker (electron/core/crypto/mls/callKeys.ts):
 * MLS-Exporter("SFrame 1.0 Base Key", call id, 32) of the conversation's current epoch, as
 * unpadded base64url (43 characters). Only this key crosses IPC, never MLS state.
 */
export const CallFrameKeySchema = z
  .object({
    callId: z.uuid(),
    epoch: z.number().int().nonnegative(),
    baseKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the base key must be 32 bytes in base64url'),
    selfLeaf: z.number().int().min(0).max(0xff),
  })
  .strict();

/** The peer's offer (incoming call, ICE restart) or answer, for the renderer's peer connection only. */
export const CallRemoteDescriptionSchema = z
  .object({ callId: z.uuid(), type: z.enum(['offer', 'answer']), ...CallDescriptionSchema.shape })
  .strict();

/** What the renderer's peer connection reports; each becomes one event of the call machine. */
export const CallReportSchema = z.discriminatedUnion('kind', [
  /** Media flows (first frame decoded or ICE + DTLS connected). */
  z.object({ kind: z.literal('connected') }).strict(),
  z.object({ kind: z.literal('connection-failed'), code: z.enum(['ice-failed', 'dtls-failed']) }).strict(),
  /** The peer said goodbye over the call's data channel (seed 000: hang-up travels peer to peer). */
  z.object({ kind: z.literal('peer-hung-up') }).strict(),
  /** The peer's media state, as its data channel said. */
  z.object({ kind: z.literal('peer-media'), media: PeerMediaSchema }).strict(),
  /** This side's new description after a network change: `offer` starts an ICE restart, `answer` answers the peer's. */
  z.object({ kind: z.literal('ice-restart'), role: z.enum(['offer', 'answer']), description: CallDescriptionSchema }).strict(),
]);

const CallIdRequest = z.object({ callId: CallIdSchema }).strict();

export const callRequests = {
  /**
   * Reserves a call in a one-to-one conversation before media is opened: answers the new call's
   * id, and lets the shell grant camera and microphone (`call.activity`). Refused with
   * `call-busy` (another call is live), `call-no-calls-here` (not a 1:1 conversation) or
   * `conversation-not-found`. A reservation not started within 30 s lapses.
   */
  'calls.prepare': {
    request: z.object({ conversationId: z.uuid(), media: CallMediaSchema }).strict(),
    response: z.object({ callId: z.uuid() }).strict(),
  },
  /** Sends the call setup with this device's gathered offer; the peer's devices ring. */
  'calls.start': {
    request: z.object({ callId: CallIdSchema, offer: CallDescriptionSchema }).strict(),
    response: CallViewSchema,
  },
  /** Answers a ringing call with this device's answer; the others stop ringing. */
  'calls.accept': {
    request: z.object({ callId: CallIdSchema, answer: CallDescriptionSchema }).strict(),
    response: CallViewSchema,
  },
  'calls.decline': { request: CallIdRequest, response: CallViewSchema },
  /**
   * Ends or cancels a call. `dataChannelOpen`: the renderer already said goodbye peer to peer, so
   * no E2EE hang-up message is sent (the server learns nothing about the end of the call).
   */
  'calls.hangUp': {
    request: z.object({ callId: CallIdSchema, dataChannelOpen: z.boolean() }).strict(),
    response: CallViewSchema,
  },
  'calls.report': {
    request: z.object({ callId: CallIdSchema, report: CallReportSchema }).strict(),
    response: z.object({}).strict(),
  },
  /** This call's frame key for the conversation's current epoch; `call-not-found` once it ended. */
  'calls.frameKey': { request: CallIdRequest, response: CallFrameKeySchema },
  /** The peer's latest description (a window that opened after the call began). */
  'calls.remoteDescription': { request: CallIdRequest, response: CallRemoteDescriptionSchema },
  /** Every call this device knows that has not ended (a window that opened after the call began). */
  'calls.list': { request: z.object({}).strict(), response: z.object({ calls: z.array(CallViewSchema) }).strict() },
} as const;

export const callEvents = {
  /** One call's state, after every change (the core's call machine decides every phase). */
  'call.state': CallViewSchema,
  'call.description': CallRemoteDescriptionSchema,
  /** A new epoch key for a live call (the conversation's group moved to a new epoch). */
  'call.frameKey': CallFrameKeySchema,
  /**
   * For the shell: `active` while a call is being prepared, rings, or runs on this device (camera
   * and microphone may be granted only then); `ringing` while one rings here (taskbar attention).
   */
  'call.activity': z.object({ active: z.boolean(), ringing: z.boolean() }).strict(),
} as const;
