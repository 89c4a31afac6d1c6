/*
 * seed 002 "Key Packages": "Wire clients will generate and upload 100 key packages per cipher
 * suite and refill the key packages for a cipher suite if the number of available key packages
 * drops below 50." The server hands each package out once; there is no last-resort package.
 */

export const KEY_PACKAGE_TARGET = 100;
export const KEY_PACKAGE_REFILL_BELOW = 50;

/**
 * How many fresh key packages to upload for one suite, given how many the server still holds.
 * Zero while at least 50 remain; otherwise enough to get back to 100.
 */
export function keyPackagesToUpload(countOnServer: number): number {
  if (!Number.isFinite(countOnServer) || countOnServer < 0) return KEY_PACKAGE_TARGET;
  const count = Math.floor(countOnServer);
  return count < KEY_PACKAGE_REFILL_BELOW ? KEY_PACKAGE_TARGET - count : 0;
}
