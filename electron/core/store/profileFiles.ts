/** File names inside a profile folder. */
export const PROFILE_FILES = {
  database: 'cairn.db',
  vaultRecord: 'key-vault.json',
  wrappedKey: 'db-key.json',
  /** A fresh key wrapped under the (new) passcode while the database is being re-keyed to it (rekeyProfile.ts). */
  pendingKey: 'db-key.next.json',
  /** Wrong app-lock passcodes so far (not secret; kept outside the database, which is closed while locked). */
  lockAttempts: 'lock-attempts.json',
  /** The encrypted file cache and unfinished downloads. */
  files: 'files',
} as const;
