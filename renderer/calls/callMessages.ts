/**
 * Messages on a call's own data channel (negotiated, id 0): media state and hang-up travel peer
 * to peer inside DTLS, so the server never learns when a call ends or who muted (seed 000,
 * issue 13). The peer is outside input: every message is parsed with zod, unknown ones ignored.
 */
import { z } from 'zod';

/** What the user sends right now; the peer shows it (muted icon, camera off, "sharing screen"). */
export const mediaStateSchema = z.object({
  muted: z.boolean(),
  cameraOff: z.boolean(),
  sharing: z.boolean(),
});
export type MediaState = z.infer<typeof mediaStateSchema>;

export const channelMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('media'), state: mediaStateSchema }),
  z.object({ type: z.literal('hangup') }),
]);
export type ChannelMessage = z.infer<typeof channelMessageSchema>;

/** The data channel carries small JSON texts; anything longer than this is not ours. */
const MAX_MESSAGE_CHARS = 1024;

export function encodeChannelMessage(message: ChannelMessage): string {
  return JSON.stringify(message);
}

export function decodeChannelMessage(data: unknown): ChannelMessage | undefined {
  if (typeof data !== 'string' || data.length > MAX_MESSAGE_CHARS) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = channelMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
