import type { Migration } from '../../migrations/migration';

/**
 * Chat requests by e-mail (docs/SECURITY.md §10): who asked whom, and the answer.
 *
 * PostgreSQL form of SQLite's 0011-chat-requests: BIGINT for millisecond times.
 */
export const migration0011: Migration = {
  name: '0011-chat-requests',
  sql: `
    CREATE TABLE chat_requests (
      id TEXT PRIMARY KEY,
      requester_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      target_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'ignored')),
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL
    );
    CREATE INDEX chat_requests_pair ON chat_requests (requester_id, target_id);
    CREATE INDEX chat_requests_target ON chat_requests (target_id, state);
    CREATE INDEX chat_requests_expiry ON chat_requests (expires_at);
  `,
};
