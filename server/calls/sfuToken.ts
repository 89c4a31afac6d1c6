import { createHmac } from 'node:crypto';

/** The only plugin a Cairn SFU token unlocks (Janus checks the plugin list on `attach`). */
export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';

/**
 * Seed 002 gives TURN credentials 24 hours; an SFU token gets the same so that it outlives the
 * longest call: Janus checks the token on every request, keepalives included, so a token that
 * expired mid-call would end the session.
 */
export const SFU_TOKEN_SECONDS = 24 * 3600;

export type SfuToken = Readonly<{ token: string; expires: number }>;

/**
 * A Janus signed token (`token_auth_secret` mode, src/auth.c `janus_auth_check_signature`):
 * `"<expiry unix>,janus,janus.plugin.videoroom:" + base64(HMAC-SHA1(secret, data))`, where data is
 * the text before the colon and the key is the secret string's bytes. The same shape as TURN REST
 * credentials: the server and Janus share one secret and nothing else, and the token names no
 * user, so Janus cannot log who calls. `expires` is in unix seconds.
 */
export function signSfuToken(secret: string, nowMs: number, ttlSeconds: number = SFU_TOKEN_SECONDS): SfuToken {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  const data = `${expires},janus,${VIDEOROOM_PLUGIN}`;
  return { token: `${data}:${createHmac('sha1', secret).update(data).digest('base64')}`, expires };
}
