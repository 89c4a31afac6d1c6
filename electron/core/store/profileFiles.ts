/** File names inside a profile folder. */
export const PROFILE_FILES = {
  database: 'cairn.db',
  vaultRecord: 'key-vault.json',
  wrappedKey: 'db-key.json',
} as const;
