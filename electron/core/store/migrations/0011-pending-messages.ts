import type { Migration } from '../migration';

/**
 * An index of the messages still `pending` (services/resend.ts): once online, a device looks for
 * messages a crash left pending, after every reconnect. Without it that look is a scan of every
 * message (≈80 ms at 100 000 messages, measured on the 2-core machines); with it, a lookup of the
 * few rows that are pending at all. Partial, so it costs nothing for the other messages.
 */
export const migration0011: Migration = {
  version: 11,
  name: 'pending-messages',
  up(db) {
    db.exec(`CREATE INDEX messages_pending ON messages (sender_client_id, sent_at, seq) WHERE status = 'pending';`);
  },
};
