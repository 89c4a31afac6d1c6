import { z } from 'zod';

/** RFC 7064/7065 STUN and TURN URIs, what `RTCPeerConnection` accepts in `urls`. */
const IceUrlSchema = z
  .string()
  .max(1024)
  .regex(/^(stun|stuns|turn|turns):[^\s/?#]+(\?transport=(udp|tcp))?$/, 'an ICE server address looks like turn:host:3478?transport=udp');

export const IceServerSchema = z.object({
  urls: z.array(IceUrlSchema).min(1).max(16),
  username: z.string().min(1).max(512),
  credential: z.string().min(1).max(512),
});
export type IceServer = z.infer<typeof IceServerSchema>;

export const SftServerSchema = z.object({ urls: z.array(z.string().max(2048).regex(/^https:\/\/\S+$/, 'an SFT server address starts with https://')).min(1).max(16) });

/**
 * `GET /calls/config`, the shape of Wire's `/calls/config/v2` (seed 002 "Call setup") in
 * camelCase. TURN credentials follow coturn's REST scheme: username `"<expiry unix>:<random>"`,
 * credential base64(HMAC-SHA1(shared secret, username)); valid 24 h. A client keeps the answer
 * for `ttl` seconds at most (1 h on our server), so a call never starts on a credential about to
 * expire; at most 24 h, the credential's whole life.
 */
export const CallConfigSchema = z.object({
  ttl: z
    .number()
    .int()
    .positive()
    .max(24 * 3600),
  iceServers: z.array(IceServerSchema).max(16),
  sftServers: z.array(SftServerSchema).max(16),
});
export type CallConfig = z.infer<typeof CallConfigSchema>;
