import type { Migration } from '../migration';

/**
 * Why a message of this user was not sent (session/outgoingMessages.ts): the stable code and the
 * sentence the user sees next to "Not sent" and Retry, kept so that the reason is still there
 * after a restart. Null for every other message.
 */
export const migration0012: Migration = {
  version: 12,
  name: 'message-failure',
  up(db) {
    db.exec(`ALTER TABLE messages ADD COLUMN failure_code TEXT;
             ALTER TABLE messages ADD COLUMN failure_message TEXT;`);
  },
};
