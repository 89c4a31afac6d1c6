import type { Migration } from '../migration';

/**
 * A short form of a message for the conversation list, where it differs from the message's own
 * text: a call's history line reads "Missed call from Ada." in the conversation and "Missed
 * call" in the list (issue 13, calls/callHistory.ts). Null for every other message: the list
 * shows the text.
 */
export const migration0013: Migration = {
  version: 13,
  name: 'message-preview',
  up(db) {
    db.exec('ALTER TABLE messages ADD COLUMN preview TEXT;');
  },
};
