import { z } from 'zod';
import { PinSchema } from '../pins';

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

/** Hosts a plain-http SFU URL may name: loopback only (a Janus beside a local server). */
const LOOPBACK_HTTP = /^http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d{1,5})?\//;

/**
 * One SFU (Janus VideoRoom) for conference calls: its API's base URL, a signed expiring token
 * that names nobody (server/calls/sfuToken.ts) and, for https, the SPKI pins the core checks as
 * for the backend. Plain http only on loopback, where no network attacker sits.
 */
export const SftServerSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/\S+$/, 'an SFT server address starts with https://'),
    token: z.string().min(1).max(1024),
    expires: z.number().int().positive(),
    pins: z.array(PinSchema).max(8),
  })
  .refine((server) => server.url.startsWith('https://') || LOOPBACK_HTTP.test(server.url), 'an SFT server on another machine must use https')
  .refine((server) => !server.url.startsWith('https://') || server.pins.length > 0, 'an https SFT server needs at least one pin');
export type SftServer = z.infer<typeof SftServerSchema>;

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
