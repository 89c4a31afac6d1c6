/**
 * E2EE content messages: what travels inside an MLS application message (or a Proteus
 * message). The server never sees these. Encoded as CBOR (see codec.ts), validated with these
 * schemas on the way in, so a decrypted payload is `unknown` until it has passed here.
 */
import { z } from 'zod';
import { QualifiedUserIdSchema } from '../api/common';
import { CALL_CONTENT_SCHEMAS } from './callSchema';
import { CONFERENCE_CONTENT_SCHEMAS } from './conferenceSchema';

/** Client-generated message ids make sends idempotent: a resend of the same id is one message. */
export const MessageIdSchema = z.uuid();
export type MessageId = z.infer<typeof MessageIdSchema>;

/** Wire's limit for one text message. */
export const MAX_TEXT_LENGTH = 8000;

const Bytes = (length: number) => z.instanceof(Uint8Array).refine((b) => b.length === length, `must be ${length} bytes`);

export const MentionSchema = z
  .object({
    /** Offset and length in UTF-16 code units of the text, as the composer measures them. */
    start: z.number().int().nonnegative(),
    length: z.number().int().positive(),
    user: QualifiedUserIdSchema,
  })
  .strict();
export type Mention = z.infer<typeof MentionSchema>;

export const QuoteSchema = z
  .object({
    messageId: MessageIdSchema,
    /** SHA-256 of the quoted text, so a quote of an edited message can be shown as such. */
    textHash: Bytes(32).optional(),
  })
  .strict();

const TextFields = {
  text: z.string().min(1).max(MAX_TEXT_LENGTH),
  mentions: z.array(MentionSchema).max(64).default([]),
};

export const TextContentSchema = z
  .object({
    type: z.literal('text'),
    ...TextFields,
    quote: QuoteSchema.optional(),
  })
  .strict()
  .superRefine((value, context) => {
    for (const mention of value.mentions) {
      if (mention.start + mention.length > value.text.length) {
        context.addIssue({ code: 'custom', message: 'a mention lies outside the text', path: ['mentions'] });
      }
    }
  });

export const EditContentSchema = z
  .object({ type: z.literal('edit'), replacingId: MessageIdSchema, ...TextFields })
  .strict();

/** Delete for everyone: only the original sender's delete is honoured (checked by the receiver). */
export const DeleteContentSchema = z.object({ type: z.literal('delete'), messageId: MessageIdSchema }).strict();

/** Delete for me: sent only to the user's own devices, so they all hide the message. */
export const HideContentSchema = z
  .object({ type: z.literal('hide'), conversationId: z.uuid(), messageId: MessageIdSchema })
  .strict();

/** One reaction per user per message; an empty emoji removes it. */
export const ReactionContentSchema = z
  .object({ type: z.literal('reaction'), messageId: MessageIdSchema, emoji: z.string().max(64) })
  .strict();

export const ReceiptContentSchema = z
  .object({
    type: z.literal('receipt'),
    kind: z.enum(['delivered', 'read']),
    messageIds: z.array(MessageIdSchema).min(1).max(500),
  })
  .strict();

export const TypingContentSchema = z
  .object({ type: z.literal('typing'), state: z.enum(['started', 'stopped']) })
  .strict();

export const KnockContentSchema = z.object({ type: z.literal('knock') }).strict();

/**
 * A file: the bytes are encrypted with a fresh AES-256 key and uploaded; the key and the
 * SHA-256 of the ciphertext travel here, inside the E2EE message (seed 002, "Assets").
 */
export const AssetContentSchema = z
  .object({
    type: z.literal('asset'),
    name: z.string().min(1).max(255),
    mime: z.string().min(1).max(255),
    size: z.number().int().nonnegative(),
    key: Bytes(32),
    sha256: Bytes(32),
    /** The server's key for the uploaded ciphertext. */
    assetId: z.string().min(1).max(256),
    domain: z.string().min(1).max(253),
    image: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).strict().optional(),
    caption: z.string().max(MAX_TEXT_LENGTH).optional(),
  })
  .strict();

/** Contents that may be sent as self-deleting messages. */
const EphemeralInnerSchema = z.discriminatedUnion('type', [TextContentSchema, AssetContentSchema, KnockContentSchema]);

/**
 * A self-deleting message: the receiver starts the timer when the message is first displayed
 * and deletes it for everyone's copy it holds when the timer ends.
 */
export const EphemeralContentSchema = z
  .object({
    type: z.literal('ephemeral'),
    expireAfterMs: z.number().int().min(1000).max(4 * 7 * 24 * 3600 * 1000),
    content: EphemeralInnerSchema,
  })
  .strict();

export const ContentSchema = z.discriminatedUnion('type', [
  TextContentSchema,
  EditContentSchema,
  DeleteContentSchema,
  HideContentSchema,
  ReactionContentSchema,
  ReceiptContentSchema,
  TypingContentSchema,
  KnockContentSchema,
  AssetContentSchema,
  EphemeralContentSchema,
  // Call signalling (callSchema.ts): decoded here like every other type, then handed to the call
  // machine by the receive path; none of them is ever a line in the history by itself.
  ...CALL_CONTENT_SCHEMAS,
  // Conference signalling (conferenceSchema.ts): handed to the conference service the same way.
  ...CONFERENCE_CONTENT_SCHEMAS,
]);
export type Content = z.infer<typeof ContentSchema>;
export type ContentType = Content['type'];

/** Every type this version can decode; anything else is reported as from a newer version. */
export const CONTENT_TYPES: ReadonlySet<string> = new Set(ContentSchema.options.map((option) => option.shape.type.value));

/** The envelope every content message has. `v` lets later versions add fields and types. */
export const ContentMessageSchema = z
  .object({
    v: z.literal(1),
    id: MessageIdSchema,
    /** Sender's clock, milliseconds since the epoch; the receiver orders by arrival too. */
    sentAt: z.number().int().nonnegative(),
    content: ContentSchema,
  })
  .strict();
export type ContentMessage = z.infer<typeof ContentMessageSchema>;
