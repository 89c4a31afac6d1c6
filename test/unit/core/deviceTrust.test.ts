import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatFingerprint } from '../../../electron/core/crypto/mls/fingerprint';
import type { MlsMember } from '../../../electron/core/crypto/mls/mlsGroup';
import {
  acceptDegraded,
  backfillGroupDevices,
  conversationDevices,
  reviewVerification,
  saveGroupDevices,
  setDeviceVerified,
} from '../../../electron/core/services/deviceTrust';
import { verificationOf } from '../../../electron/core/store/conversations';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';
import { keyPackageOf, must, newDevice, text } from '../../fixtures/mls/mlsTestDevices';

// In-memory and unencrypted: these tests are about the verification bookkeeping, not the file.
const DOMAIN = 'example.test';
const ALICE = 'a0000000-0000-4000-8000-000000000001';
const BOB = 'b0000000-0000-4000-8000-000000000002';
const CAROL = 'c0000000-0000-4000-8000-000000000003';
const self = { user: `${ALICE}@${DOMAIN}`, clientId: '00000000000000a1' };

const keyBytes = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const hex = (byte: number): string => byte.toString(16).padStart(2, '0').repeat(32);
const member = (leafIndex: number, userId: string, clientId: string, byte: number): MlsMember => ({
  leafIndex,
  identity: { userId, clientId, domain: DOMAIN },
  signaturePublicKey: keyBytes(byte),
});

let db: ReadableDB;
beforeEach(() => {
  db = readable(new Database(':memory:'));
  db.pragma('foreign_keys = ON');
  applyMigrations(db, MIGRATIONS);
  db.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
  db.prepare(`INSERT INTO users (id, name, updated_at) VALUES (?, 'Bob', 1), (?, 'Carol', 1)`).run(`${BOB}@${DOMAIN}`, `${CAROL}@${DOMAIN}`);
});
afterEach(() => db.close());

function systemTexts(): string[] {
  return db.prepare(`SELECT body FROM messages WHERE conversation_id = 'c1' AND kind = 'system' ORDER BY seq`).pluck().all().map(String);
}

function verify(userId: string, clientId: string, byte: number, verified = true) {
  return setDeviceVerified(db, { user: `${userId}@${DOMAIN}`, clientId, fingerprint: formatFingerprint(hex(byte)), verified }, self);
}

describe('device trust in the store', () => {
  it('verifies the conversation once every device is verified, and degrades it when the user unmarks one', () => {
    writeTransaction(db, (tx) => saveGroupDevices(tx, 'c1', [member(0, BOB, '00000000000000b1', 3), member(1, CAROL, '00000000000000c1', 4)]));
    expect(writeTransaction(db, (tx) => reviewVerification(tx, 'c1', self))).toBeUndefined();
    verify(BOB, '00000000000000b1', 3);
    expect(verificationOf(db, 'c1')).toBe('non-verified');
    const { changes } = verify(CAROL, '00000000000000c1', 4);
    expect(changes).toMatchObject([{ conversationId: 'c1', state: 'verified' }]);
    verify(CAROL, '00000000000000c1', 4, false);
    expect(verificationOf(db, 'c1')).toBe('degraded');
    expect(systemTexts()).toEqual([
      'All devices in this conversation are verified.',
      'This conversation is no longer verified: Carol uses a device that you have not verified. Nothing can be sent until you verify them or choose to send anyway.',
    ]);
  });

  it('degrades when a verified device shows up with another key, and names everyone whose devices are unverified', () => {
    writeTransaction(db, (tx) => saveGroupDevices(tx, 'c1', [member(0, BOB, '00000000000000b1', 3)]));
    verify(BOB, '00000000000000b1', 3);
    expect(verificationOf(db, 'c1')).toBe('verified');
    writeTransaction(db, (tx) => saveGroupDevices(tx, 'c1', [member(0, BOB, '00000000000000b1', 9), member(1, CAROL, '00000000000000c1', 4)]));
    expect(writeTransaction(db, (tx) => reviewVerification(tx, 'c1', self))).toMatchObject({ state: 'degraded' });
    expect(systemTexts().at(-1)).toMatch(/^This conversation is no longer verified: Bob and Carol use devices that you have not verified\./);
    expect(conversationDevices(db, 'c1', self).map((d) => d.verified)).toEqual([false, false]);
  });

  it('"send anyway" makes a degraded conversation non-verified and leaves others alone', () => {
    writeTransaction(db, (tx) => saveGroupDevices(tx, 'c1', [member(0, BOB, '00000000000000b1', 3)]));
    verify(BOB, '00000000000000b1', 3);
    expect(writeTransaction(db, (tx) => acceptDegraded(tx, 'c1', self))).toBeUndefined();
    writeTransaction(db, (tx) => saveGroupDevices(tx, 'c1', [member(0, BOB, '00000000000000b1', 3), member(1, BOB, '00000000000000b2', 5)]));
    writeTransaction(db, (tx) => reviewVerification(tx, 'c1', self));
    expect(writeTransaction(db, (tx) => acceptDegraded(tx, 'c1', self))).toMatchObject({ state: 'non-verified' });
    expect(verificationOf(db, 'c1')).toBe('non-verified');
  });

  it('refuses a fingerprint that matches no key the device uses, and one that is not hex, changing nothing', () => {
    writeTransaction(db, (tx) => saveGroupDevices(tx, 'c1', [member(0, BOB, '00000000000000b1', 3)]));
    expect(() => verify(BOB, '00000000000000b1', 7)).toThrow(expect.objectContaining({ code: 'device-fingerprint-mismatch' }));
    expect(() => verify(CAROL, '00000000000000c1', 4)).toThrow(expect.objectContaining({ code: 'device-unknown' }));
    expect(() => setDeviceVerified(db, { user: `${BOB}@${DOMAIN}`, clientId: '00000000000000b1', fingerprint: 'not a key', verified: true }, self)).toThrow(
      expect.objectContaining({ code: 'device-fingerprint-invalid' }),
    );
    expect(db.prepare('SELECT count(*) FROM verified_devices').pluck().get()).toBe(0);
    expect(systemTexts()).toEqual([]);
  });

  it('reads the devices of groups stored before verification existed from their ratchet trees, once', async () => {
    const [a, b] = await Promise.all([newDevice(ALICE, 1, DOMAIN), newDevice(BOB, 1, DOMAIN)]);
    const added = must(await a.engine.addMembers(must(await a.engine.createGroup(text('group-c1'))), [await keyPackageOf(b)]));
    db.prepare(`INSERT INTO mls_groups (conversation_id, group_id, epoch, state, updated_at) VALUES ('c1', x'00', 1, ?, 1)`).run(
      a.engine.encodeGroupState(added.group),
    );
    expect(backfillGroupDevices(db)).toBe(1);
    const leaves = a.engine.members(added.group);
    expect(conversationDevices(db, 'c1', { user: 'nobody@example.test', clientId: '0000000000000000' }).map((d) => [d.user, d.clientId, d.fingerprint])).toEqual(
      expect.arrayContaining(
        leaves.map((m) => [`${m.identity.userId}@${DOMAIN}`, m.identity.clientId, formatFingerprint(Buffer.from(m.signaturePublicKey).toString('hex'))]),
      ),
    );
    expect(leaves).toHaveLength(2);
    expect(backfillGroupDevices(db)).toBe(0);
  });
});
