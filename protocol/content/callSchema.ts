/**
 * Call signalling content (issue 13): what two devices say to each other to set up, run and end
 * a 1:1 call. These travel only as ordinary E2EE application messages of the conversation, padded
 * like text (electron/core/crypto/mls/messagePadding.ts), so the server learns neither that a call
 * happened nor who called whom (seed 000: "Wire servers have no knowledge of the contents or type
 * of these messages"). There is no call state on the server.
 *
 * Each schema says what it refuses and why; a decrypted payload that does not fit is dropped as
 * malformed (codec.ts), never half-used.
 */
import { z } from 'zod';

/** Chosen by the caller, random (UUID v4 form); also the MLS exporter context of the call's frame keys. */
export const CallIdSchema = z.uuid({ error: 'the call id must be a UUID' });
export type CallId = z.infer<typeof CallIdSchema>;

/**
 * A non-trickle SDP with every gathered candidate is 2–8 KB for audio + video + data channel in
 * Chromium (measured in reference/feas-calls); 32 000 characters leaves room for many interfaces
 * and codecs without letting one message grow without bound.
 */
export const MAX_SDP_LENGTH = 32_000;

export const SdpSchema = z
  .string({ error: 'the SDP must be text' })
  .min(1, 'the SDP is empty')
  .max(MAX_SDP_LENGTH, `the SDP is longer than ${MAX_SDP_LENGTH} characters`)
  // RFC 8866 §5: every session description starts with the protocol version line.
  .refine((sdp) => sdp.startsWith('v=0\r\n') || sdp.startsWith('v=0\n'), 'the SDP does not start with "v=0"');

/** Digest lengths (bytes) of the hash functions WebRTC stacks use for certificate fingerprints. */
export const FINGERPRINT_BYTES = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 } as const;
export type FingerprintAlgorithm = keyof typeof FINGERPRINT_BYTES;

/**
 * The DTLS certificate fingerprint of the sender's side of the call, as in its SDP's
 * `a=fingerprint` line (RFC 8122 §5: hash function name, then upper-case hex bytes joined by
 * colons). It reaches the peer only inside the MLS message, so the E2EE identity vouches for it
 * and a server that rewrote the SDP could not put itself in the middle (seed 003; seed 002,
 * "Calling / Encryption"). SHA-1 and MD5 are not accepted (RFC 8827 §6.5 requires SHA-256 or better).
 */
export const DtlsFingerprintSchema = z
  .object(
    {
      algorithm: z.enum(['sha-256', 'sha-384', 'sha-512'], { error: 'the fingerprint hash must be sha-256, sha-384 or sha-512' }),
      value: z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2})*$/, 'the fingerprint must be upper-case hex bytes separated by colons'),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'the DTLS fingerprint is missing' : undefined) },
  )
  .strict()
  .refine((f) => (f.value.length + 1) / 3 === FINGERPRINT_BYTES[f.algorithm], {
    message: 'the fingerprint length does not match its hash function',
    path: ['value'],
  });
export type DtlsFingerprint = z.infer<typeof DtlsFingerprintSchema>;

/** One side's session description: the SDP and the fingerprint it must contain (checked by the core, sdpFingerprint.ts). */
const DescriptionFields = { sdp: SdpSchema, fingerprint: DtlsFingerprintSchema };

/**
 * Starts a call: sent once by the calling device, after it gathered its ICE candidates, so one
 * round trip sets the call up (seed 000, "Robustness"). Every device of the conversation gets it;
 * the callee's devices ring, the caller's other devices show the call as ongoing elsewhere.
 */
export const CallSetupContentSchema = z
  .object({
    type: z.literal('call-setup'),
    callId: CallIdSchema,
    ...DescriptionFields,
    media: z.enum(['audio', 'video'], { error: 'media must be "audio" or "video"' }),
    /** Constant bit rate asked for by the caller (seed 002: either side turning it on is enough). */
    cbr: z.boolean({ error: 'cbr must be true or false' }),
  })
  .strict();

/** Accepts a call from the answering device. The first answer the caller receives wins. */
export const CallAnswerContentSchema = z
  .object({
    type: z.literal('call-answer'),
    callId: CallIdSchema,
    ...DescriptionFields,
    cbr: z.boolean({ error: 'cbr must be true or false' }),
  })
  .strict();

/** A device of the conversation, as the MLS credential names it. */
export const CallDeviceSchema = z
  .object({
    user: z.object({ id: z.uuid({ error: 'the user id must be a UUID' }), domain: z.string().min(1).max(253) }).strict(),
    clientId: z.string().regex(/^[0-9a-f]{1,16}$/, 'the client id must be 1 to 16 lower-case hex digits'),
  })
  .strict();
export type CallDevice = z.infer<typeof CallDeviceSchema>;

/**
 * Refuses a call. `declined` and `busy` come from a callee's device; `answered-elsewhere` comes
 * from the caller to a device whose answer arrived after another one's, and names that device in
 * `to` (everyone else ignores it).
 */
export const CallRejectContentSchema = z
  .object({
    type: z.literal('call-reject'),
    callId: CallIdSchema,
    reason: z.enum(['declined', 'busy', 'answered-elsewhere'], { error: 'the reason must be declined, busy or answered-elsewhere' }),
    to: CallDeviceSchema.optional(),
  })
  .strict()
  .refine((r) => (r.reason === 'answered-elsewhere') === (r.to !== undefined), {
    message: 'a late answer is refused to one named device, and only then is a device named',
    path: ['to'],
  });

/** The caller gives up before anyone answered (or its ring time ran out). */
export const CallCancelContentSchema = z.object({ type: z.literal('call-cancel'), callId: CallIdSchema }).strict();

/**
 * Ends a connected call. Fallback only: hang-up normally goes peer to peer over the call's data
 * channel so the server does not even see when calls end (seed 000, "Meta data"); this message is
 * sent when that channel is gone.
 */
export const CallHangupContentSchema = z.object({ type: z.literal('call-hangup'), callId: CallIdSchema }).strict();

/** The sender's media as the peer should show it. */
export const CallMediaContentSchema = z
  .object({
    type: z.literal('call-media'),
    callId: CallIdSchema,
    muted: z.boolean({ error: 'muted must be true or false' }),
    cameraOff: z.boolean({ error: 'cameraOff must be true or false' }),
    sharing: z.boolean({ error: 'sharing must be true or false' }),
  })
  .strict();

/**
 * A new offer or answer within a running call after a network change (ICE restart, RFC 8445
 * §9). The DTLS certificate stays the one of the call, so the fingerprint must not change.
 */
export const CallIceRestartContentSchema = z
  .object({
    type: z.literal('call-ice-restart'),
    callId: CallIdSchema,
    kind: z.enum(['offer', 'answer'], { error: 'kind must be "offer" or "answer"' }),
    ...DescriptionFields,
  })
  .strict();

/** Every call content schema; the content union in schema.ts spreads this list. */
export const CALL_CONTENT_SCHEMAS = [
  CallSetupContentSchema,
  CallAnswerContentSchema,
  CallRejectContentSchema,
  CallCancelContentSchema,
  CallHangupContentSchema,
  CallMediaContentSchema,
  CallIceRestartContentSchema,
] as const;

export const CallContentSchema = z.discriminatedUnion('type', [...CALL_CONTENT_SCHEMAS]);
export type CallContent = z.infer<typeof CallContentSchema>;
export type CallContentType = CallContent['type'];

const CALL_TYPES: ReadonlySet<string> = new Set(CALL_CONTENT_SCHEMAS.map((s) => s.shape.type.value));

/** Whether a content is call signalling: the receive path hands these to the call machine, never to the history. */
export function isCallContent<T extends Readonly<{ type: string }>>(content: T): content is Extract<T, CallContent> {
  return CALL_TYPES.has(content.type);
}
