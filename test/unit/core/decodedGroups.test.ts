import Database from 'better-sqlite3-multiple-ciphers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import { DecodedGroups } from '../../../electron/core/services/decodedGroups';
import { saveGroupState } from '../../../electron/core/store/groups';
import type { ReadableDB } from '../../../electron/core/store/handles';
import { readable, writeTransaction } from '../../../electron/core/store/handles';
import { applyMigrations } from '../../../electron/core/store/migration';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';
import type { TestDevice } from '../../fixtures/mls/mlsTestDevices';
import { must, newDevice, text } from '../../fixtures/mls/mlsTestDevices';

let device: TestDevice;
let first: MlsGroup;
let second: MlsGroup;
beforeAll(async () => {
  device = await newDevice();
  first = must(await device.engine.createGroup(text('group-decoded')));
  second = must(await device.engine.encrypt(first, text('moves the ratchet'))).group;
});

let db: ReadableDB;
beforeEach(() => {
  const raw = new Database(':memory:');
  applyMigrations(raw, MIGRATIONS);
  db = readable(raw);
  db.prepare(`INSERT INTO conversations (id, kind, protocol, name, created_at, last_activity_at) VALUES ('c1', 'group', 'mls', 'Team', 1, 1)`).run();
});

const store = (group: MlsGroup): Uint8Array => {
  const bytes = device.engine.encodeGroupState(group);
  const status = device.engine.status(group);
  writeTransaction(db, (tx) => saveGroupState(tx, 'c1', status.groupId, status.epoch, bytes, 1));
  return bytes;
};

/** The decoded state of 'c1', which must be stored. */
function load(decoded: DecodedGroups): MlsGroup {
  const result = decoded.load(db, device.engine, 'c1');
  if (result === undefined) throw new Error('no stored state');
  return must(result);
}

describe('DecodedGroups', () => {
  it('decodes a stored state once and reuses it while the stored bytes are the same', () => {
    const decoded = new DecodedGroups();
    const bytes = store(first);
    const loaded = load(decoded);
    expect(device.engine.encodeGroupState(loaded)).toEqual(bytes);
    expect(load(decoded)).toBe(loaded);
  });

  it('decodes again when the stored state changed behind its back', () => {
    const decoded = new DecodedGroups();
    store(first);
    const before = load(decoded);
    const bytes = store(second);
    const after = load(decoded);
    expect(after).not.toBe(before);
    expect(device.engine.encodeGroupState(after)).toEqual(bytes);
  });

  it('serves a remembered state only when its bytes were really stored (a rolled-back write costs a decode)', () => {
    const decoded = new DecodedGroups();
    const bytes = store(second);
    decoded.remember('c1', bytes, second);
    expect(load(decoded)).toBe(second);
    // A transaction that wrote `first` and rolled back: the memo says `first`, the database `second`.
    decoded.remember('c1', device.engine.encodeGroupState(first), first);
    const loaded = load(decoded);
    expect(loaded).not.toBe(first);
    expect(device.engine.encodeGroupState(loaded)).toEqual(bytes);
  });

  it('says undefined for a conversation without a group and an error for broken bytes', () => {
    const decoded = new DecodedGroups();
    expect(decoded.load(db, device.engine, 'c1')).toBeUndefined();
    db.prepare(`INSERT INTO mls_groups (conversation_id, group_id, epoch, state, updated_at) VALUES ('c1', x'00', 0, x'0102', 1)`).run();
    expect(decoded.load(db, device.engine, 'c1')).toMatchObject({ ok: false, error: { code: 'mls-invalid-state' } });
  });
});
