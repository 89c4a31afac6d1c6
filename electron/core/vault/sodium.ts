import sodium from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodium;

/**
 * The sumo build, because only it has `crypto_pwhash` (Argon2). Its ESM entry exposes the
 * functions on the default export only, and none may be called before `ready` resolves
 * (PLATFORM-NOTES "libsodium").
 */
export async function loadSodium(): Promise<Sodium> {
  await sodium.ready;
  return sodium;
}
