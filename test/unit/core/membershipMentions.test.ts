import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MlsMember } from '../../../electron/core/crypto/mls/mlsGroup';
import { insertMessage, textHash } from '../../../electron/core/store/messages';
import { getMessage, listMessages } from '../../../electron/core/toContract';
import { saveGroupDevices } from '../../../electron/core/services/deviceTrust';
import { groupBefore, recordMembershipChange } from '../../../electron/core/services/membershipMessages';
import { recordDeparture } from '../../../electron/core/store/groupDevices';
import { memberMentions } from '../../../electron/core/services/messageReferences';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { hideMessage } from '../../../electron/core/store/hiddenMessages';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';

// In-memory and unencrypted: these tests are about the bookkeeping, not the file.
const DOMAIN = 'example.test';
const ALICE = 'a0000000-0000-4000-8000-000000000001';
const BOB = 'b0000000-0000-4000-8000-000000000002';
const CAROL = 'c0000000-0000-4000-8000-000000000003';
const DAN = 'd0000000-0000-4000-8000-000000000004';
const q = (id: string): string => `${id}@${DOMAIN}`;
const self = { user: q(ALICE), clientId: '00000000000000a1' };

const member = (leafIndex: number, userId: string, clientId: string): MlsMember => ({
  leafIndex,
  identity: { userId, clientId, domain: DOMAIN },
  signaturePublicKey: new Uint8Array(32).fill(leafIndex + 1),
});
const aliceDevice = member(0, ALICE, '00000000000000a1');
const bobDevice = member(1, BOB, '00000000000000b1');
const bobPhone = member(4, BOB, '00000000000000b2');
const carolDevice = member(2, CAROL, '00000000000000c1');
const danDevice = member(3, DAN, '00000000000000d1');

let db: ReadableDB;
beforeEach(() => {
  db = readable(new Database(':memory:'));
  db.pragma('foreign_keys = ON');
  applyMigrations(db, MIGRATIONS);
  db.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
  db.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('o1', 'one-to-one', 'mls', NULL, 1, 1)`).run();
  db.prepare(`INSERT INTO users (id, name, updated_at) VALUES (?, 'Bob', 1), (?, 'Carol', 1)`).run(q(BOB), q(CAROL));
});
afterEach(() => db.close());

function lines(conversationId = 'c1'): string[] {
  return db.prepare(`SELECT body FROM messages WHERE conversation_id = ? AND kind = 'system' ORDER BY seq`).pluck().all(conversationId).map(String);
}

/** Stores the group as it was, then records the commit that led to `after`, as the service does. */
function commit(epoch: bigint, before: readonly MlsMember[], after: readonly MlsMember[], committer: string | undefined, conversationId = 'c1') {
  writeTransaction(db, (tx) => saveGroupDevices(tx, conversationId, before));
  const id = writeTransaction(db, (tx) => recordMembershipChange(tx, { conversationId, epoch, before: groupBefore(db, conversationId), members: after, committer }, self, 1000));
  writeTransaction(db, (tx) => saveGroupDevices(tx, conversationId, after));
  return id;
}

describe('membership lines', () => {
  it('names who added and removed whom, says "you" for this user, and "someone" for an unknown name', () => {
    commit(2n, [aliceDevice, bobDevice], [aliceDevice, bobDevice, carolDevice, danDevice], q(ALICE));
    commit(3n, [aliceDevice, bobDevice, carolDevice, danDevice], [aliceDevice, carolDevice, danDevice], q(CAROL));
    commit(4n, [aliceDevice, carolDevice, danDevice], [carolDevice, danDevice], q(CAROL));
    commit(5n, [carolDevice, danDevice], [carolDevice, danDevice, bobDevice], undefined);
    expect(lines()).toEqual(['You added Carol and someone.', 'Carol removed Bob.', 'Carol removed you.', 'Someone added Bob.']);
  });

  it("tells of a member's new device (one-to-one too), not of a device that went, nor of membership in a one-to-one", () => {
    expect(commit(2n, [aliceDevice, bobDevice], [aliceDevice, bobDevice, bobPhone], q(BOB))).toBeDefined();
    expect(commit(3n, [aliceDevice, bobDevice, bobPhone], [aliceDevice, bobDevice], q(ALICE))).toBeUndefined();
    expect(commit(2n, [aliceDevice], [aliceDevice, carolDevice], q(ALICE), 'o1')).toBeUndefined();
    expect(commit(3n, [aliceDevice, carolDevice], [aliceDevice, carolDevice, member(5, CAROL, '00000000000000c2')], q(CAROL), 'o1')).toBeDefined();
    // This user's own other device is told too; this device itself never is.
    expect(commit(4n, [aliceDevice, bobDevice], [aliceDevice, bobDevice, member(6, ALICE, '00000000000000a2')], q(ALICE))).toBeDefined();
    expect(lines()).toEqual(['Bob started using a new device.', 'You started using a new device.']);
    expect(lines('o1')).toEqual(['Carol started using a new device.']);
  });

  it('says nothing when the earlier membership is unknown', () => {
    expect(writeTransaction(db, (tx) => recordMembershipChange(tx, { conversationId: 'c1', epoch: 9n, before: undefined, members: [aliceDevice, danDevice], committer: q(ALICE) }, self, 1))).toBeUndefined();
    expect(lines()).toEqual([]);
  });

  it('says a member left when the server said so, joined when they committed their own addition, and once per commit', () => {
    writeTransaction(db, (tx) => recordDeparture(tx, 'c1', q(BOB), 500));
    commit(2n, [aliceDevice, bobDevice, carolDevice], [aliceDevice, carolDevice], q(CAROL));
    // The same commit processed again (a crash before the acknowledgement) adds nothing.
    expect(writeTransaction(db, (tx) => recordMembershipChange(tx, { conversationId: 'c1', epoch: 2n, before: { users: new Set([q(ALICE), q(BOB), q(CAROL)]), devices: new Set() }, members: [aliceDevice, carolDevice], committer: q(CAROL) }, self, 1))).toBeUndefined();
    commit(3n, [aliceDevice, carolDevice], [aliceDevice, carolDevice, bobDevice], q(BOB));
    // The departure was used up: a later removal of Bob is a removal again.
    commit(4n, [aliceDevice, carolDevice, bobDevice], [aliceDevice, carolDevice], q(CAROL));
    expect(lines()).toEqual(['Bob left.', 'Bob joined.', 'Carol removed Bob.']);
  });
});

describe('mentions and quotes in the store', () => {
  it('keeps mentions of members only, and knows which one names this user', () => {
    db.prepare(`INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES ('c1', ?, 'admin', 1), ('c1', ?, 'member', 1)`).run(q(ALICE), q(BOB));
    const checked = memberMentions(
      db,
      'c1',
      [
        { start: 0, length: 4, user: { id: BOB, domain: DOMAIN } },
        { start: 5, length: 4, user: { id: DAN, domain: DOMAIN } },
        { start: 10, length: 6, user: { id: ALICE, domain: DOMAIN } },
      ],
      q(ALICE),
    );
    expect(checked).toEqual({
      mentions: [
        { start: 0, length: 4, user: q(BOB) },
        { start: 10, length: 6, user: q(ALICE) },
      ],
      mentionsMe: true,
    });
    expect(memberMentions(db, 'c1', [{ start: 0, length: 4, user: { id: DAN, domain: DOMAIN } }], q(ALICE))).toEqual({ mentions: [], mentionsMe: false });
  });

  it('shows a quote as edited only when the quoted text no longer has the hash the replier sent', () => {
    const base = { conversationId: 'c1', senderClient: 'x', content: null, sentAt: 1, receivedAt: 1, status: 'received' as const };
    writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'm1', senderUser: q(BOB), kind: 'text', body: 'Lunch at noon?' }));
    writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'r1', senderUser: q(CAROL), kind: 'text', body: 'yes', quote: { messageId: 'm1', textHash: textHash('Lunch at noon?') } }));
    writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'r2', senderUser: q(CAROL), kind: 'text', body: 'old', quote: { messageId: 'm1', textHash: textHash('Lunch at eleven?') } }));
    writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'r3', senderUser: q(CAROL), kind: 'text', body: 'what?', quote: { messageId: 'unknown', textHash: null } }));
    expect(getMessage(db, 'c1', 'r1')?.quote).toEqual({ messageId: 'm1', sender: q(BOB), senderName: 'Bob', text: 'Lunch at noon?', edited: false });
    expect(getMessage(db, 'c1', 'r2')?.quote).toMatchObject({ text: 'Lunch at noon?', edited: true });
    expect(getMessage(db, 'c1', 'r3')?.quote).toEqual({ messageId: 'unknown', sender: null, senderName: null, text: null, edited: false });
  });

  it('keeps a hidden message hidden when it is delivered again, or when the hide came first', () => {
    const base = { conversationId: 'c1', senderClient: 'x', content: null, sentAt: 1, receivedAt: 1, status: 'received' as const, senderUser: q(BOB), kind: 'text' as const };
    writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'm1', body: 'first' }));
    expect(writeTransaction(db, (tx) => hideMessage(tx, 'c1', 'm1', 5))).toBe(true);
    expect(writeTransaction(db, (tx) => hideMessage(tx, 'c1', 'm1', 6))).toBe(false);
    expect(writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'm1', body: 'first' }))).toBe(false);
    // The user's other device hid m2 before m2 reached this one.
    expect(writeTransaction(db, (tx) => hideMessage(tx, 'c1', 'm2', 7, true))).toBe(false);
    expect(writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'm2', body: 'second' }))).toBe(false);
    writeTransaction(db, (tx) => insertMessage(tx, { ...base, id: 'm3', body: 'third' }));
    expect(listMessages(db, 'c1', 10).messages.map((m) => m.id)).toEqual(['m3']);
    expect(getMessage(db, 'c1', 'm2')).toBeUndefined();
    expect(db.prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'first OR second'`).pluck().get()).toBe(0);
  });
});
