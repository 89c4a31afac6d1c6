import type { Migration } from '../../migrations/migration';

/** Users, verification codes, user-token cookies and the server's own secrets. */
/** PostgreSQL form of SQLite's 0001-accounts: BIGINT for integers (millisecond times exceed 32 bits), BYTEA for blobs, identity columns for AUTOINCREMENT. */
export const migration0001: Migration = {
  name: '0001-accounts',
  sql: `
    CREATE TABLE server_secrets (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
    CREATE TABLE users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      handle TEXT UNIQUE,
      accent_id BIGINT NOT NULL DEFAULT 0,
      locale TEXT NOT NULL,
      picture TEXT,
      password_hash TEXT NOT NULL,
      second_factor BIGINT NOT NULL DEFAULT 0,
      created_at BIGINT NOT NULL
    );
    CREATE TABLE codes (
      purpose TEXT NOT NULL,
      subject TEXT NOT NULL,
      code_hash TEXT NOT NULL,
      user_id TEXT,
      attempts BIGINT NOT NULL DEFAULT 0,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (purpose, subject)
    );
    CREATE TABLE cookies (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      label TEXT,
      client_id TEXT,
      connection TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL
    );
    CREATE INDEX cookies_by_user ON cookies(user_id, kind, created_at);
  `,
};
