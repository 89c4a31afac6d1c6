import { z } from 'zod';

export const IceServerSchema = z.object({
  urls: z.array(z.string()),
  username: z.string(),
  credential: z.string(),
});
export const SftServerSchema = z.object({ urls: z.array(z.string()) });

/**
 * TURN credentials follow coturn's REST scheme: username `"<expiry unix>:<random>"`, credential
 * base64(HMAC-SHA1(shared secret, username)); valid 24 h. Refresh after `ttl` seconds.
 */
export const CallConfigSchema = z.object({
  ttl: z.number().int().positive(),
  iceServers: z.array(IceServerSchema),
  sftServers: z.array(SftServerSchema),
});
export type CallConfig = z.infer<typeof CallConfigSchema>;
