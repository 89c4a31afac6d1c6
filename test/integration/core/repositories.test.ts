import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Conversation } from '../../../protocol/api/conversations';
import {
  activeConversationIds,
  conversationKind,
  lastActivityAt,
  leftAt,
  markLeftOnce,
  saveConversation,
  setLastActivityAt,
  touchConversation,
} from '../../../electron/core/store/conversations';
import { generateDbKey } from '../../../electron/core/store/dbKey';
import {
  keyPackage,
  mlsSigner,
  nextPrekeyId,
  proteusIdentity,
  removeKeyPackage,
  savePrekeys,
  saveRegistration,
  setNextPrekeyId,
  storedDevice,
} from '../../../electron/core/store/device';
import {
  conversationsWithDevice,
  devicesWithTrust,
  forgetDeparture,
  groupDevices,
  hasDeparted,
  recordDeparture,
  saveGroupDevices,
  setVerifiedDevice,
} from '../../../electron/core/store/groupDevices';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { writeTransaction } from '../../../electron/core/store/handles';
import { listMembers, memberRoles } from '../../../electron/core/store/members';
import { searchMessageRows } from '../../../electron/core/store/messageSearch';
import type { NewMessage } from '../../../electron/core/store/messages';
import {
  applyDelete,
  claimFailed,
  insertMessages,
  listMessageRows,
  markRead,
  messageRow,
  messageStored,
  pendingOfDevice,
  resendRow,
  setMessageStatus,
} from '../../../electron/core/store/messages';
import { hideMessage } from '../../../electron/core/store/hiddenMessages';
import type { Store } from '../../../electron/core/store/openStore';
import { openStore } from '../../../electron/core/store/openStore';
import { isOwed, noteOwed, owedHides, owedReceipts, removeOwed } from '../../../electron/core/store/outbox';
import { saveUserProfile, userName } from '../../../electron/core/store/users';
import { toConversationSummary, toStoredMessage } from '../../../electron/core/toContract';
import { conversationSummaryRow } from '../../../electron/core/store/conversations';
import { applyReaction } from '../../../electron/core/store/reactions';
import { useTempDirs } from './tempProfile';

// Every repository test runs on a real SQLCipher file with a random key (openStore), as the core does.
const tempDir = useTempDirs();
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const DOMAIN = 'example.test';
const ALICE = { id: 'a0000000-0000-4000-8000-000000000001', domain: DOMAIN };
const BOB = { id: 'b0000000-0000-4000-8000-000000000002', domain: DOMAIN };
const CAROL = { id: 'c0000000-0000-4000-8000-000000000003', domain: DOMAIN };
const q = (user: { id: string; domain: string }): string => `${user.id}@${user.domain}`;
const C1 = 'd0000000-0000-4000-8000-000000000001';
const C2 = 'd0000000-0000-4000-8000-000000000002';

function encryptedStore(): ReadableDB {
  const result = openStore(join(tempDir(), 'cairn.db'), generateDbKey());
  if (!result.ok) throw new Error(result.error.message);
  opened.push(result.value);
  return result.value.db;
}

function conversation(id: string, members: ReadonlyArray<{ id: string; domain: string }>, extra: Partial<Conversation> = {}): Conversation {
  return {
    qualifiedId: { id, domain: DOMAIN },
    type: 'group',
    name: 'Team',
    creator: ALICE,
    members: members.map((user, i) => ({ user, role: i === 0 ? 'admin' : 'member' })),
    groupId: 'AA==',
    epoch: 1,
    cipherSuite: 1,
    messageTimer: null,
    clients: [],
    ...extra,
  };
}

function text(conversationId: string, id: string, body: string, sender = q(BOB), at = 1000, extra: Partial<NewMessage> = {}): NewMessage {
  return { id, conversationId, senderUser: sender, senderClient: 'cl1', kind: 'text', body, content: null, sentAt: at, receivedAt: at, status: 'received', ...extra };
}

function withConversations(db: ReadableDB): void {
  writeTransaction(db, (tx) => {
    saveConversation(tx, conversation(C1, [ALICE, BOB]), 10);
    saveConversation(tx, conversation(C2, [ALICE, CAROL], { type: 'one2one', name: null }), 10);
    saveUserProfile(tx, BOB, 'Bob', 'bob', 10);
    saveUserProfile(tx, CAROL, 'Carol', null, 10);
  });
}

describe('conversation, member and user repositories', () => {
  it('store the server view of a conversation, replacing its member list and rejoining a left one', () => {
    const db = encryptedStore();
    withConversations(db);
    expect(conversationKind(db, C1)).toBe('group');
    expect(conversationKind(db, C2)).toBe('one-to-one');
    expect(conversationKind(db, 'unknown')).toBeUndefined();
    expect(listMembers(db, C1).map((m) => [m.id, m.role])).toEqual([[q(ALICE), 'admin'], [q(BOB), 'member']]);
    expect(userName(db, q(BOB))).toBe('Bob');
    expect(userName(db, q(ALICE))).toBeUndefined();

    writeTransaction(db, (tx) => markLeftOnce(tx, C1, 50));
    writeTransaction(db, (tx) => markLeftOnce(tx, C1, 60));
    expect(leftAt(db, C1)).toBe(50);
    expect(activeConversationIds(db)).toEqual([C2]);

    writeTransaction(db, (tx) => saveConversation(tx, conversation(C1, [ALICE, CAROL]), 70));
    expect(leftAt(db, C1)).toBeNull();
    expect(leftAt(db, 'unknown')).toBeUndefined();
    expect([...memberRoles(db, C1)]).toEqual([[q(ALICE), 'admin'], [q(CAROL), 'member']]);
  });

  it('move the activity time forward only, unless it is put back on purpose', () => {
    const db = encryptedStore();
    withConversations(db);
    writeTransaction(db, (tx) => touchConversation(tx, C1, 500));
    writeTransaction(db, (tx) => touchConversation(tx, C1, 400));
    expect(lastActivityAt(db, C1)).toBe(500);
    writeTransaction(db, (tx) => setLastActivityAt(tx, C1, 20));
    expect(lastActivityAt(db, C1)).toBe(20);
  });
});

describe('message repository and search index', () => {
  it('stores each message once, says which were new and moves the conversation by the newest', () => {
    const db = encryptedStore();
    withConversations(db);
    const first = writeTransaction(db, (tx) => insertMessages(tx, [text(C1, 'm1', 'hello', q(BOB), 900), text(C1, 'm1', 'again', q(BOB), 950), text(C1, 'm2', 'world', q(BOB), 1200)]));
    expect(first).toEqual([true, false, true]);
    expect(writeTransaction(db, (tx) => insertMessages(tx, [text(C1, 'm2', 'changed')]))).toEqual([false]);
    expect(messageRow(db, C1, 'm1')?.body).toBe('hello');
    expect(lastActivityAt(db, C1)).toBe(1200);
  });

  it('pages back through history, counts a hidden message as stored but never shows it', () => {
    const db = encryptedStore();
    withConversations(db);
    writeTransaction(db, (tx) => insertMessages(tx, Array.from({ length: 7 }, (_, i) => text(C1, `m${i}`, `text ${i}`, q(BOB), 1000 + i))));
    writeTransaction(db, (tx) => hideMessage(tx, C1, 'm3', 5000));
    const newest = listMessageRows(db, C1, 3);
    expect(newest.rows.map((r) => r.id)).toEqual(['m4', 'm5', 'm6']);
    expect(newest.hasOlder).toBe(true);
    const older = listMessageRows(db, C1, 3, 'm4');
    expect(older.rows.map((r) => r.id)).toEqual(['m0', 'm1', 'm2']);
    expect(older.hasOlder).toBe(false);
    expect(messageStored(db, C1, 'm3')).toBe(true);
    expect(messageRow(db, C1, 'm3')).toBeUndefined();
  });

  it("marks others' messages read, starts self-deleting timers and reports only the newly read", () => {
    const db = encryptedStore();
    withConversations(db);
    writeTransaction(db, (tx) =>
      insertMessages(tx, [text(C1, 'mine', 'from me', q(ALICE)), text(C1, 'theirs', 'from Bob', q(BOB), 1000, { timerMs: 60_000 })]),
    );
    const before = Date.now();
    expect(writeTransaction(db, (tx) => markRead(tx, C1, q(ALICE)))).toEqual(['theirs']);
    expect(messageRow(db, C1, 'theirs')?.expires_at).toBeGreaterThanOrEqual(before + 60_000);
    expect(writeTransaction(db, (tx) => markRead(tx, C1, q(ALICE)))).toEqual([]);
    const summary = conversationSummaryRow(db, q(ALICE), C1);
    expect(summary?.unread).toBe(0);
  });

  it('finds words by prefix, treats search syntax as text and forgets deleted text', () => {
    const db = encryptedStore();
    withConversations(db);
    writeTransaction(db, (tx) =>
      insertMessages(tx, [text(C1, 'a', 'lunch at noon', q(BOB), 1), text(C2, 'b', 'lunchtime "quoted" NEAR(x)', q(CAROL), 2), text(C1, 'c', 'nothing', q(BOB), 3)]),
    );
    expect(searchMessageRows(db, 'lunch', 10).map((r) => [r.conversation_id, r.id])).toEqual([
      [C2, 'b'],
      [C1, 'a'],
    ]);
    expect(searchMessageRows(db, 'NEAR(x) "quoted', 10).map((r) => r.id)).toEqual(['b']);
    expect(searchMessageRows(db, '   ', 10)).toEqual([]);
    expect(writeTransaction(db, (tx) => applyDelete(tx, C1, 'a', q(BOB), 9))).toBe(true);
    expect(searchMessageRows(db, 'lunch', 10).map((r) => r.id)).toEqual(['b']);
  });

  it("gives sending again what it needs: this device's pending messages oldest first, and a claim on a failed one", () => {
    const db = encryptedStore();
    withConversations(db);
    const own = (id: string, at: number, client = 'cl1'): NewMessage => ({ ...text(C1, id, id, q(ALICE), at), senderClient: client, status: 'pending' });
    writeTransaction(db, (tx) => insertMessages(tx, [own('late', 30), own('early', 10), own('other-device', 5, 'cl2')]));
    expect(pendingOfDevice(db, q(ALICE), 'cl1')).toEqual([
      { conversationId: C1, id: 'early' },
      { conversationId: C1, id: 'late' },
    ]);
    expect(writeTransaction(db, (tx) => claimFailed(tx, C1, 'early'))).toBe(false);
    expect(writeTransaction(db, (tx) => setMessageStatus(tx, C1, 'early', 'failed', { code: 'x', message: 'Not sent.' }))).toBe(true);
    expect(resendRow(db, C1, 'early')).toMatchObject({ status: 'failed', left_at: null, has_asset: 0 });
    expect(writeTransaction(db, (tx) => claimFailed(tx, C1, 'early'))).toBe(true);
    expect(resendRow(db, C1, 'early')?.status).toBe('pending');
  });
});

describe('outbox repository', () => {
  it('keeps each owed item once, lists receipts by conversation and hides oldest first, and forgets what was sent', () => {
    const db = encryptedStore();
    withConversations(db);
    writeTransaction(db, (tx) => {
      noteOwed(tx, 'delivered', C2, 'x', 3);
      noteOwed(tx, 'delivered', C1, 'y', 2);
      noteOwed(tx, 'delivered', C1, 'z', 1);
      noteOwed(tx, 'delivered', C1, 'z', 9);
      noteOwed(tx, 'hide', C2, 'h2', 5);
      noteOwed(tx, 'hide', C1, 'h1', 4);
    });
    expect(owedReceipts(db)).toEqual([
      { conversationId: C1, messageId: 'z' },
      { conversationId: C1, messageId: 'y' },
      { conversationId: C2, messageId: 'x' },
    ]);
    expect(owedHides(db).map((r) => r.messageId)).toEqual(['h1', 'h2']);
    writeTransaction(db, (tx) => removeOwed(tx, 'delivered', C1, ['y', 'z']));
    expect(isOwed(db, 'delivered', C1, 'y')).toBe(false);
    expect(isOwed(db, 'delivered', C2, 'x')).toBe(true);
    expect(isOwed(db, 'hide', C2, 'x')).toBe(false);
  });
});

describe('device key repository', () => {
  it("stores a registration whole and a later one replaces its prekeys, keeping one device row", () => {
    const db = encryptedStore();
    expect(storedDevice(db)).toBeUndefined();
    const registration = (clientId: string, prekeyIds: number[]) => ({
      clientId,
      userId: ALICE.id,
      domain: DOMAIN,
      temporary: false,
      proteusIdentity: new Uint8Array([1, 2, 3]),
      nextPrekeyId: 100,
      prekeys: prekeyIds.map((id) => ({ id, data: new Uint8Array([id]) })),
      suite: 1,
      signer: new Uint8Array([9]),
      keyPackages: [{ ref: new Uint8Array([7, 7]), stored: new Uint8Array([8]) }],
    });
    writeTransaction(db, (tx) => saveRegistration(tx, registration('client-1', [0, 1, 2]), 1));
    writeTransaction(db, (tx) => saveRegistration(tx, { ...registration('client-2', [5]), temporary: true }, 2));
    expect(storedDevice(db)).toEqual({ clientId: 'client-2', temporary: true });
    expect(db.prepare('SELECT id FROM proteus_prekeys ORDER BY id').pluck().all()).toEqual([5]);
    expect([...(proteusIdentity(db) ?? [])]).toEqual([1, 2, 3]);
    expect([...(mlsSigner(db, 1) ?? [])]).toEqual([9]);
    expect(mlsSigner(db, 2)).toBeUndefined();

    writeTransaction(db, (tx) => savePrekeys(tx, [{ id: 6, data: new Uint8Array([6]) }]));
    writeTransaction(db, (tx) => setNextPrekeyId(tx, 107));
    expect(nextPrekeyId(db)).toBe(107);
    expect([...(keyPackage(db, new Uint8Array([7, 7])) ?? [])]).toEqual([8]);
    writeTransaction(db, (tx) => removeKeyPackage(tx, new Uint8Array([7, 7])));
    expect(keyPackage(db, new Uint8Array([7, 7]))).toBeUndefined();
  });
});

describe('group device and verification repository', () => {
  it('binds a verification to the signature key compared, and replaces a group device list whole', () => {
    const db = encryptedStore();
    withConversations(db);
    const bobDevice = { user: q(BOB), clientId: 'b1', signatureKey: 'aa' };
    writeTransaction(db, (tx) => {
      saveGroupDevices(tx, C1, [{ leafIndex: 1, ...bobDevice }, { leafIndex: 0, user: q(ALICE), clientId: 'a1', signatureKey: 'cc' }]);
      setVerifiedDevice(tx, bobDevice, true, 5);
    });
    expect(devicesWithTrust(db, C1).map((d) => [d.user, d.verified])).toEqual([[q(ALICE), false], [q(BOB), true]]);
    // The same client with another key is another device to verify (seed 002).
    writeTransaction(db, (tx) => saveGroupDevices(tx, C1, [{ leafIndex: 0, ...bobDevice, signatureKey: 'bb' }]));
    expect(devicesWithTrust(db, C1)).toEqual([{ ...bobDevice, signatureKey: 'bb', verified: false }]);
    expect(groupDevices(db, C1)).toHaveLength(1);
    expect(conversationsWithDevice(db, q(BOB), 'b1')).toEqual([C1]);
    writeTransaction(db, (tx) => setVerifiedDevice(tx, { ...bobDevice, signatureKey: 'bb' }, true, 6));
    writeTransaction(db, (tx) => setVerifiedDevice(tx, { ...bobDevice, signatureKey: 'bb' }, false, 7));
    expect(devicesWithTrust(db, C1)[0]?.verified).toBe(false);
  });

  it('remembers a departure until the commit that tells it', () => {
    const db = encryptedStore();
    withConversations(db);
    writeTransaction(db, (tx) => recordDeparture(tx, C1, q(BOB), 1));
    writeTransaction(db, (tx) => recordDeparture(tx, C1, q(BOB), 2));
    expect(hasDeparted(db, C1, q(BOB))).toBe(true);
    expect(hasDeparted(db, C2, q(BOB))).toBe(false);
    writeTransaction(db, (tx) => forgetDeparture(tx, C1, q(BOB)));
    expect(hasDeparted(db, C1, q(BOB))).toBe(false);
  });
});

describe('toContract', () => {
  it('makes the IPC message of a row: reactions by emoji, receipts, quote edited when the text changed', () => {
    const db = encryptedStore();
    withConversations(db);
    writeTransaction(db, (tx) => {
      insertMessages(tx, [text(C1, 'q', 'original', q(BOB), 1)]);
      insertMessages(tx, [text(C1, 'r', 'reply', q(ALICE), 2, { quote: { messageId: 'q', textHash: new Uint8Array(32) } })]);
      applyReaction(tx, C1, 'r', q(BOB), '👍', 3);
      applyReaction(tx, C1, 'r', q(CAROL), '👍', 4);
    });
    const row = messageRow(db, C1, 'r');
    if (!row) throw new Error('no row');
    const message = toStoredMessage(C1, row);
    expect(message.reactions).toEqual([{ emoji: '👍', users: [q(BOB), q(CAROL)] }]);
    expect(message.quote).toMatchObject({ messageId: 'q', sender: q(BOB), senderName: 'Bob', text: 'original', edited: true });
    expect(message).toMatchObject({ conversationId: C1, sender: q(ALICE), readBy: [], deliveredTo: [], asset: null, failure: null });
  });

  it('shows a mute whose time is up as not muted, and names a one-to-one after the other person', () => {
    const db = encryptedStore();
    withConversations(db);
    db.prepare('UPDATE conversations SET muted_until = 100').run();
    const row = conversationSummaryRow(db, q(ALICE), C2);
    if (!row) throw new Error('no row');
    expect(toConversationSummary(row, 50)).toMatchObject({ kind: 'one-to-one', name: 'Carol', mutedUntil: 100, memberCount: 2 });
    expect(toConversationSummary(row, 150).mutedUntil).toBeNull();
  });
});

describe('query plans', () => {
  // The history page is read on every conversation open and every scroll back: it must seek the
  // conversation's messages in time order through an index, never scan the table or sort.
  const plan = (db: ReadableDB, sql: string, ...params: unknown[]): string[] =>
    db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((r) => (typeof r === 'object' && r !== null && 'detail' in r ? String(r.detail) : ''));

  it('reads a page of history through the conversation-and-time index, without a scan or a sort', () => {
    const db = encryptedStore();
    withConversations(db);
    const page = plan(db, 'SELECT m.id FROM messages m WHERE m.conversation_id = ? AND m.hidden_at IS NULL ORDER BY m.sent_at DESC, m.seq DESC LIMIT ?', C1, 50);
    const older = plan(
      db,
      `SELECT m.id FROM messages m WHERE m.conversation_id = ? AND m.hidden_at IS NULL
         AND (m.sent_at, m.seq) < (SELECT sent_at, seq FROM messages WHERE conversation_id = ? AND id = ?)
       ORDER BY m.sent_at DESC, m.seq DESC LIMIT ?`,
      C1,
      C1,
      'm1',
      50,
    );
    for (const steps of [page, older]) {
      expect(steps.join('\n')).toMatch(/SEARCH m USING INDEX messages_by_conversation_time \(conversation_id=\?/);
      expect(steps.filter((s) => /^SCAN |TEMP B-TREE/.test(s))).toEqual([]);
    }
  });

  it("reads the unread and the newest messages of a conversation by seeking the conversation, not scanning messages", () => {
    const db = encryptedStore();
    withConversations(db);
    const unread = plan(
      db,
      `SELECT id, seq FROM messages WHERE conversation_id = ? AND seq > ? AND sender_user_id != ? AND kind IN ('text', 'asset', 'knock')
       AND deleted_at IS NULL AND hidden_at IS NULL ORDER BY seq LIMIT 500`,
      C1,
      0,
      q(ALICE),
    );
    const newest = plan(db, 'SELECT max(seq) FROM messages WHERE conversation_id = ?', C1);
    for (const steps of [unread, newest]) {
      expect(steps.some((s) => /^SEARCH messages USING (COVERING )?INDEX .*\(conversation_id=\?/.test(s))).toBe(true);
      expect(steps.filter((s) => /^SCAN messages/.test(s))).toEqual([]);
    }
  });
});
