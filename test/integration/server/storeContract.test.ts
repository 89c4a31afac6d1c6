import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../../protocol';
import { LAST_RESORT_PREKEY_ID } from '../../../protocol';
import type { ClientRecord, ConversationRecord, CookieRecord, Fanout, UserRecord } from '../../../server/store/records';
import type { Store } from '../../../server/store/repositories';
import { MIGRATIONS } from '../../../server/store/migrations';
import { openPostgres } from '../../../server/store/postgres/database';
import { openPostgresStore } from '../../../server/store/postgres';
import { PG_MIGRATIONS } from '../../../server/store/postgres/migrations';
import { openSqliteStore } from '../../../server/store/sqlite';
import type { PostgresCluster } from '../../support/postgresCluster';
import { startPostgresCluster } from '../../support/postgresCluster';

/**
 * Every repository of the store, held to the same behaviour on SQLite and PostgreSQL: each test
 * runs against both, on a fresh database each. The tests "at the same time" are where the two
 * engines differ inside (one writer in SQLite, row locks and an advisory lock in PostgreSQL).
 */
type Repositories = Store & Readonly<{
  /** A registered permanent device with no prekeys: key packages and notifications belong to one. */
  addDevice(userId: string, clientId: string): Promise<void>;
}>;

type Backend = Readonly<{ name: string; open(): Promise<Repositories> }>;

let cluster: PostgresCluster | undefined;
let scratch: string | undefined;
beforeAll(async () => {
  cluster = await startPostgresCluster();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'cairn-store-'));
});
afterAll(async () => {
  await cluster?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function withDevices(store: Store): Repositories {
  return {
    ...store,
    addDevice: async (userId, clientId) => {
      const outcome = await store.clients.add(device(userId, clientId), { id: LAST_RESORT_PREKEY_ID, key: 'last' }, [], 100, () => [], 0);
      if (outcome.kind !== 'added') throw new Error('device not added');
    },
  };
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'SQLite',
    open: async () => {
      if (scratch === undefined) throw new Error('no scratch folder');
      const opened = openSqliteStore(path.join(scratch, `${randomUUID()}.db`));
      if (!opened.ok) throw new Error(opened.error.message);
      return withDevices(opened.value);
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const opened = await openPostgresStore(await cluster.createDatabase());
      if (!opened.ok) throw new Error(opened.error.message);
      return withDevices(opened.value);
    },
  },
];

function device(userId: string, clientId: string, overrides: Partial<ClientRecord> = {}): ClientRecord {
  return { userId, id: clientId, type: 'permanent', class: 'desktop', model: null, label: null, createdAt: 1_796_000_000_000, ...overrides };
}

/** A 16-hex-digit client id, as the server makes them. */
const clientId = (): string => randomBytes(8).toString('hex');

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: randomUUID(),
    email: `${randomUUID()}@example.org`,
    name: 'Ada',
    handle: null,
    accentId: 0,
    locale: 'en',
    picture: null,
    passwordHash: 'hash',
    secondFactor: false,
    createdAt: 1_796_000_000_000,
    ...overrides,
  };
}

function cookie(userId: string, createdAt: number, overrides: Partial<CookieRecord> = {}): CookieRecord {
  return { id: randomUUID(), userId, kind: 'persistent', label: null, clientId: null, connection: randomUUID(), createdAt, expiresAt: createdAt + 1000, ...overrides };
}

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

describe.each(BACKENDS)('the $name store', (backend) => {
  let store: Repositories;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(() => store.close());

  it('keeps users with unique e-mail addresses and handles, and patches profiles field by field', async () => {
    const ada = user({ picture: 'pic' });
    expect(await store.users.create(ada)).toBe('created');
    expect(await store.users.create(user({ email: ada.email }))).toBe('email-exists');
    expect(await store.users.byEmail(ada.email)).toEqual(ada);
    await store.users.update(ada.id, { name: 'Ada L.' });
    expect(await store.users.byId(ada.id)).toMatchObject({ name: 'Ada L.', picture: 'pic', locale: 'en' });
    await store.users.update(ada.id, { picture: null, accentId: 3 });
    expect(await store.users.byId(ada.id)).toMatchObject({ name: 'Ada L.', picture: null, accentId: 3 });
    expect(await store.users.setHandle(ada.id, 'ada')).toBe('ok');
    const other = user();
    await store.users.create(other);
    expect(await store.users.setHandle(other.id, 'ada')).toBe('handle-exists');
    expect(await store.users.setHandle(other.id, 'adalove')).toBe('ok');
    expect((await store.users.byHandlePrefix('ada', 10)).map((found) => found.handle)).toEqual(['ada', 'adalove']);
    expect(await store.users.byHandlePrefix('a_a', 10)).toEqual([]);
    await store.users.setPassword(ada.id, 'new-hash');
    await store.users.setSecondFactor(ada.id, true);
    expect(await store.users.byId(ada.id)).toMatchObject({ passwordHash: 'new-hash', secondFactor: true });
  });

  it('uses a code once, counts wrong guesses made at the same time one by one, and forgets expired codes', async () => {
    await store.codes.put('activation', 'a@example.org', hex('123456'), 10_000, 'owner');
    expect(await store.codes.owner('activation', 'a@example.org')).toBe('owner');
    expect(await store.codes.pending('activation', 'a@example.org', 5_000)).toBe(true);
    const guesses = await Promise.all(Array.from({ length: 5 }, () => store.codes.consume('activation', 'a@example.org', hex('000000'), 5_000, 3)));
    expect(guesses.filter((answer) => answer === 'wrong')).toHaveLength(3);
    expect(guesses.filter((answer) => answer === 'exhausted')).toHaveLength(2);
    await store.codes.put('activation', 'a@example.org', hex('123456'), 10_000);
    expect(await store.codes.consume('activation', 'a@example.org', hex('000000'), 5_000, 3)).toBe('wrong');
    expect(await store.codes.consume('activation', 'a@example.org', hex('123456'), 5_000, 3)).toBe('ok');
    expect(await store.codes.consume('activation', 'a@example.org', hex('123456'), 5_000, 3)).toBe('exhausted');
    await store.codes.put('reset', 'b', hex('1'), 1_000);
    expect(await store.codes.consume('reset', 'b', hex('1'), 1_000, 3)).toBe('exhausted');
    await store.codes.put('reset', 'c', hex('1'), 1_000);
    await store.codes.put('reset', 'd', hex('1'), 9_000);
    expect(await store.codes.purgeExpired(2_000)).toBe(1);
    expect(await store.codes.pending('reset', 'd', 2_000)).toBe(true);
  });

  it('finds cookies, binds a device once, ends other sessions and forgets expired cookies', async () => {
    const owner = user();
    await store.users.create(owner);
    const other = cookie(owner.id, 1000);
    await store.cookies.create(other, 4);
    const kept = cookie(owner.id, 5000, { kind: 'session' });
    await store.cookies.create(kept, 4);
    const session = await store.cookies.find(kept.id);
    expect(session).toEqual(kept);
    expect(await store.cookies.hasSession(owner.id, kept.connection, 5500)).toBe(true);
    expect(await store.cookies.hasSession(owner.id, kept.connection, 6000)).toBe(false);
    await store.cookies.bindClient(kept.id, 'client-1');
    await store.cookies.bindClient(kept.id, 'client-2');
    expect((await store.cookies.find(kept.id))?.clientId).toBe('client-1');
    await store.cookies.deleteForUserExcept(owner.id, kept.connection);
    expect(await store.cookies.find(kept.id)).toEqual({ ...kept, clientId: 'client-1' });
    expect(await store.cookies.find(other.id)).toBeUndefined();
    expect(await store.cookies.purgeExpired(10_000)).toBeGreaterThanOrEqual(1);
    expect(await store.cookies.find(kept.id)).toBeUndefined();
  });

  it('keeps only the newest cookies of one kind, also after sign-ins at the same time', async () => {
    const owner = user();
    await store.users.create(owner);
    const made = Array.from({ length: 10 }, (_, index) => cookie(owner.id, 2000 + index));
    await Promise.all(made.map((each) => store.cookies.create(each, 3)));
    const found = await Promise.all(made.map((each) => store.cookies.find(each.id)));
    expect(found.filter((each) => each !== undefined)).toHaveLength(3);
    const newest = cookie(owner.id, 9000);
    await store.cookies.create(newest, 3);
    expect(await store.cookies.find(newest.id)).toEqual(newest);
    expect((await Promise.all(made.map((each) => store.cookies.find(each.id)))).filter((each) => each !== undefined)).toHaveLength(2);
  });

  it('creates a named secret once and returns the same one to callers at the same time', async () => {
    const secrets = await Promise.all(Array.from({ length: 4 }, (_, index) => store.secrets.getOrCreate('token-key', () => Buffer.from([index, 1, 2, 3]))));
    expect(new Set(secrets.map((secret) => secret.toString('hex'))).size).toBe(1);
    expect(await store.secrets.getOrCreate('token-key', () => Buffer.from('other'))).toEqual(secrets[0]);
  });

  it('keeps asset records with their shares and lists expired ones', async () => {
    const asset = { key: randomUUID(), owner: 'u', public: false, retention: 'expiring' as const, size: 10, tokenHash: 't', createdAt: 1, expiresAt: 100 };
    await store.assets.create(asset, 'conversation-1');
    await store.assets.share(asset.key, 'conversation-1');
    expect(await store.assets.get(asset.key)).toEqual(asset);
    expect(await store.assets.expired(50, 10)).toEqual([]);
    expect(await store.assets.expired(101, 10)).toEqual([asset.key]);
    await store.assets.delete(asset.key);
    expect(await store.assets.get(asset.key)).toBeUndefined();
  });
});

describe.each(BACKENDS)('key packages in the $name store', (backend) => {
  let store: Repositories;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(() => store.close());

  const SUITE = 1;
  const upload = (index: number, signatureKey: Buffer): { cipherSuite: number; data: Buffer; signatureKey: Buffer } => ({
    cipherSuite: SUITE,
    data: Buffer.from(`package-${index}`),
    signatureKey,
  });

  it("binds a device's signature key at its first upload and refuses packages under another key", async () => {
    const owner = user();
    await store.users.create(owner);
    await store.addDevice(owner.id, 'phone');
    const key = Buffer.alloc(32, 1);
    expect(await store.keyPackages.upload(owner.id, 'phone', [upload(1, key), upload(2, key)])).toEqual({ ok: true, count: 2 });
    expect(await store.keyPackages.upload(owner.id, 'phone', [upload(3, Buffer.alloc(32, 2))])).toEqual({ ok: false, reason: 'signature-key-mismatch' });
    expect(await store.keyPackages.count(owner.id, 'phone', SUITE)).toBe(2);
    expect(await store.keyPackages.signatureKeys([{ userId: owner.id, clientId: 'phone' }])).toEqual([{ userId: owner.id, clientId: 'phone', cipherSuite: SUITE, signatureKey: key }]);
  });

  it('hands out every package once, also to claims made at the same time, oldest first, skipping the claimer', async () => {
    const owner = user();
    await store.users.create(owner);
    await store.addDevice(owner.id, 'a');
    await store.addDevice(owner.id, 'b');
    const key = Buffer.alloc(32, 3);
    await store.keyPackages.upload(owner.id, 'a', Array.from({ length: 6 }, (_, index) => upload(index, key)));
    await store.keyPackages.upload(owner.id, 'b', [upload(100, key)]);
    const first = await store.keyPackages.claim(owner.id, SUITE, { userId: owner.id, clientId: 'b' });
    expect(first).toEqual([{ clientId: 'a', cipherSuite: SUITE, data: Buffer.from('package-0') }]);
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.keyPackages.claim(owner.id, SUITE, { userId: owner.id, clientId: 'b' })));
    const handedOut = claims.flat().map((record) => record.data.toString());
    expect(handedOut).toHaveLength(5);
    expect(new Set(handedOut).size).toBe(5);
    expect(await store.keyPackages.count(owner.id, 'a', SUITE)).toBe(0);
    expect(await store.keyPackages.count(owner.id, 'b', SUITE)).toBe(1);
  });
});

const DOMAIN = 'cairn.test';
const passwordChanged: NotificationEvent = { type: 'user.password-changed' };
const rename = (conversation: string, from: string, name: string): NotificationEvent => ({
  type: 'conversation.rename',
  conversation: { id: conversation, domain: DOMAIN },
  from: { id: from, domain: DOMAIN },
  name,
});

describe.each(BACKENDS)('devices in the $name store', (backend) => {
  let store: Repositories;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(() => store.close());

  const last = { id: LAST_RESORT_PREKEY_ID, key: 'last-resort' };

  it('adds devices up to the limit, replaces the temporary one, and deletes a device with its keys, cookies and queue', async () => {
    const owner = user();
    await store.users.create(owner);
    const laptop = device(owner.id, clientId());
    const added = await store.clients.add(laptop, last, [{ id: 1, key: 'k1' }], 2, (client) => [{ users: [owner.id], except: { userId: owner.id, clientId: client.id }, event: passwordChanged }], 10);
    expect(added).toMatchObject({ kind: 'added', client: laptop, replaced: undefined, delivered: [] });
    const phone = device(owner.id, clientId(), { class: 'phone', createdAt: laptop.createdAt + 1 });
    const second = await store.clients.add(phone, last, [], 2, (client) => [{ users: [owner.id], except: { userId: owner.id, clientId: client.id }, event: passwordChanged }], 20);
    expect(second.kind === 'added' && second.delivered.map((each) => each.target)).toEqual([{ userId: owner.id, clientId: laptop.id }]);
    expect(await store.clients.add(device(owner.id, clientId()), last, [], 2, () => [], 30)).toEqual({ kind: 'too-many' });
    const firstTemporary = device(owner.id, clientId(), { type: 'temporary', createdAt: laptop.createdAt + 2 });
    await store.clients.add(firstTemporary, last, [], 2, () => [], 40);
    const secondTemporary = device(owner.id, clientId(), { type: 'temporary', createdAt: laptop.createdAt + 3 });
    expect(await store.clients.add(secondTemporary, last, [], 2, () => [], 50)).toMatchObject({ kind: 'added', replaced: firstTemporary });
    expect((await store.clients.list(owner.id)).map((each) => each.id)).toEqual([laptop.id, phone.id, secondTemporary.id]);
    await store.clients.setLabel(owner.id, laptop.id, 'work');
    expect(await store.clients.get(owner.id, laptop.id)).toEqual({ ...laptop, label: 'work' });
    const session = cookie(owner.id, 100, { clientId: laptop.id });
    await store.cookies.create(session, 32);
    expect((await store.notifications.page({ userId: owner.id, clientId: laptop.id }, 0, 10)).notifications).toHaveLength(1);
    const gone = await store.clients.delete(owner.id, laptop.id, [{ users: [owner.id], event: passwordChanged }], 60);
    expect(gone.map((each) => each.target.clientId).sort()).toEqual([phone.id, secondTemporary.id].sort());
    expect(await store.clients.get(owner.id, laptop.id)).toBeUndefined();
    expect(await store.cookies.find(session.id)).toBeUndefined();
    expect(await store.clients.countPrekeys(owner.id, laptop.id)).toBe(0);
    expect(await store.notifications.last({ userId: owner.id, clientId: laptop.id })).toBe(0);
  });

  it('registers no more permanent devices than allowed, also when they register at the same time', async () => {
    const owner = user();
    await store.users.create(owner);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => store.clients.add(device(owner.id, clientId()), last, [], 3, () => [], 0)));
    expect(outcomes.filter((outcome) => outcome.kind === 'added')).toHaveLength(3);
    expect(await store.clients.list(owner.id)).toHaveLength(3);
  });

  it('hands out each prekey once, also to claims at the same time, then the last-resort prekey again and again', async () => {
    const owner = user();
    await store.users.create(owner);
    const id = clientId();
    await store.clients.add(device(owner.id, id), last, [{ id: 1, key: 'old' }], 8, () => [], 0);
    expect(await store.clients.uploadPrekeys(owner.id, id, [{ id: 1, key: 'k1' }, ...Array.from({ length: 5 }, (_, index) => ({ id: index + 2, key: `k${index + 2}` }))])).toBe(6);
    expect(await store.clients.countPrekeys(owner.id, id)).toBe(6);
    const claims = await Promise.all(Array.from({ length: 9 }, () => store.clients.claimPrekey(owner.id, id)));
    const ordinary = claims.filter((claim) => claim?.id !== LAST_RESORT_PREKEY_ID);
    expect(ordinary.map((claim) => claim?.key).sort()).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    expect(claims.filter((claim) => claim?.id === LAST_RESORT_PREKEY_ID)).toHaveLength(3);
    expect(await store.clients.claimPrekey(owner.id, id)).toEqual(last);
    expect(await store.clients.countPrekeys(owner.id, id)).toBe(0);
    expect(await store.clients.claimPrekey(owner.id, clientId())).toBeUndefined();
  });
});

describe.each(BACKENDS)('conversations in the $name store', (backend) => {
  let store: Repositories;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(() => store.close());

  /** A user with one device; returns both ids. */
  async function person(): Promise<Readonly<{ userId: string; clientId: string }>> {
    const created = user();
    await store.users.create(created);
    const id = clientId();
    await store.addDevice(created.id, id);
    return { userId: created.id, clientId: id };
  }

  function group(creator: Readonly<{ userId: string; clientId: string }>, members: readonly Readonly<{ userId: string; clientId: string }>[]): ConversationRecord {
    return {
      id: randomUUID(),
      type: 'group',
      name: 'Team',
      creator: creator.userId,
      groupId: randomBytes(16),
      epoch: 0,
      cipherSuite: 1,
      messageTimer: null,
      groupInfo: Buffer.from('group-info-0'),
      createdAt: 1_796_000_000_000,
      members: [creator, ...members].map((each, index) => ({ userId: each.userId, role: index === 0 ? 'admin' : 'member' })),
      clients: [creator, ...members].map((each, index) => ({ userId: each.userId, clientId: each.clientId, registered: true, leafIndex: index })),
    };
  }

  /** A planner that advances the epoch by one only from `from`, as commits do. */
  const advanceFrom = (from: number) => (current: ConversationRecord) =>
    current.epoch === from
      ? { ok: true as const, change: { epoch: from + 1, groupInfo: Buffer.from(`group-info-${from + 1}`) }, fanout: (): readonly Fanout[] => [], value: from + 1 }
      : { ok: false as const, failure: current.epoch };

  it('creates a conversation with its members and devices, lists it for its members and tells them', async () => {
    const [ada, bob] = [await person(), await person()];
    const conversation = group(ada, [bob]);
    const created = await store.conversations.create(conversation, null, (made) => [{ users: made.members.map((m) => m.userId), except: ada, event: rename(made.id, ada.userId, 'Team') }], 5);
    expect(created.kind).toBe('created');
    expect(created.conversation).toEqual({ ...conversation, members: [...conversation.members].sort((a, b) => a.userId.localeCompare(b.userId)), clients: [...conversation.clients].sort((a, b) => a.userId.localeCompare(b.userId)) });
    expect(created.delivered.map((each) => each.target)).toEqual([bob]);
    expect(await store.conversations.get(conversation.id)).toEqual(created.conversation);
    expect((await store.conversations.listForUser(bob.userId)).map((each) => each.id)).toEqual([conversation.id]);
    expect(await store.conversations.get(randomUUID())).toBeUndefined();
  });

  it('creates one 1:1 conversation per pair, also when both create it at the same time', async () => {
    const [ada, bob] = [await person(), await person()];
    const key = [ada.userId, bob.userId].sort().join('/');
    const attempts = await Promise.all([ada, bob, ada].map((creator) => store.conversations.create({ ...group(creator, [creator === ada ? bob : ada]), type: 'one2one' }, key, () => [], 5)));
    expect(attempts.filter((attempt) => attempt.kind === 'created')).toHaveLength(1);
    expect(new Set(attempts.map((attempt) => attempt.conversation.id)).size).toBe(1);
  });

  it('applies one commit per epoch: of commits for the same epoch at the same time, exactly one is accepted', async () => {
    const ada = await person();
    const conversation = group(ada, []);
    await store.conversations.create(conversation, null, () => [], 5);
    for (let epoch = 0; epoch < 3; epoch += 1) {
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.conversations.update(conversation.id, advanceFrom(epoch), 10)));
      expect(outcomes.filter((outcome) => outcome.kind === 'done')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.kind === 'failed')).toEqual(Array.from({ length: 4 }, () => ({ kind: 'failed', failure: epoch + 1 })));
    }
    expect(await store.conversations.get(conversation.id)).toMatchObject({ epoch: 3, groupInfo: Buffer.from('group-info-3') });
    expect(await store.conversations.update(randomUUID(), advanceFrom(0), 10)).toEqual({ kind: 'missing' });
  });

  it('changes members, roles and devices, and delivers messages only to devices in the group at the time', async () => {
    const [ada, bob, cyd] = [await person(), await person(), await person()];
    const conversation = group(ada, [bob]);
    await store.conversations.create(conversation, null, () => [], 5);
    const message = (text: string) => (): { ok: true; fanout: Fanout } => ({ ok: true, fanout: { conversation: conversation.id, except: ada, event: rename(conversation.id, ada.userId, text) } });
    const before = await store.conversations.postMessage(conversation.id, ada, message('before'), 10);
    expect(before.kind === 'done' && before.delivered.map((each) => each.target)).toEqual([bob]);
    const joined = await store.conversations.update(
      conversation.id,
      () => ({
        ok: true,
        change: { epoch: 1, addMembers: [{ userId: cyd.userId, role: 'member' }], addClients: [{ ...cyd, leafIndex: 2 }], setRoles: [{ userId: bob.userId, role: 'admin' }], name: 'Team 2' },
        fanout: (after) => [{ users: after.members.map((m) => m.userId), event: rename(conversation.id, ada.userId, 'Team 2') }],
        value: undefined,
      }),
      20,
    );
    expect(joined.kind === 'done' && joined.conversation).toMatchObject({ epoch: 1, name: 'Team 2' });
    expect(joined.kind === 'done' && joined.conversation.members.find((m) => m.userId === bob.userId)?.role).toBe('admin');
    const after = await store.conversations.postMessage(conversation.id, ada, message('after'), 30);
    expect(after.kind === 'done' && after.delivered.map((each) => each.target.userId).sort()).toEqual([bob.userId, cyd.userId].sort());
    const cydsNames = (await store.notifications.page(cyd, 0, 10)).notifications.map((n) => (n.event.type === 'conversation.rename' ? n.event.name : n.event.type));
    expect(cydsNames).toEqual(['Team 2', 'after']);
    await store.conversations.update(conversation.id, () => ({ ok: true, change: { removeMembers: [bob.userId], removeClients: [bob] }, fanout: () => [], value: undefined }), 40);
    const last = await store.conversations.postMessage(conversation.id, ada, message('without bob'), 50);
    expect(last.kind === 'done' && last.delivered.map((each) => each.target)).toEqual([cyd]);
    const bobsNames = (await store.notifications.page(bob, 0, 10)).notifications.map((n) => (n.event.type === 'conversation.rename' ? n.event.name : n.event.type));
    expect(bobsNames).toEqual(['before', 'Team 2', 'after']);
    expect((await store.notifications.page(ada, 0, 10)).notifications.map((n) => n.event.type)).toEqual(['conversation.rename']);
    expect(await store.conversations.postMessage(conversation.id, ada, () => ({ ok: false, failure: 'stale' }), 60)).toEqual({ kind: 'failed', failure: 'stale' });
    expect(await store.conversations.postMessage(randomUUID(), ada, message('nowhere'), 60)).toEqual({ kind: 'missing' });
  });

  it('stores a post once per idempotency key, also for retries at the same time, and refuses the key for another post', async () => {
    const [ada, bob] = [await person(), await person()];
    const conversation = group(ada, [bob]);
    await store.conversations.create(conversation, null, () => [], 5);
    const post = (text: string) => (): { ok: true; fanout: Fanout } => ({ ok: true, fanout: { conversation: conversation.id, except: ada, event: rename(conversation.id, ada.userId, text) } });
    const key = { key: randomUUID(), digest: Buffer.alloc(32, 1) };
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => store.conversations.postMessage(conversation.id, ada, post('once'), 10, key)));
    expect(outcomes.filter((outcome) => outcome.kind === 'done')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'repeated')).toEqual(Array.from({ length: 3 }, () => ({ kind: 'repeated', postedAt: 10 })));
    expect(await store.conversations.postMessage(conversation.id, ada, post('other'), 20, { key: key.key, digest: Buffer.alloc(32, 2) })).toEqual({ kind: 'key-reused' });
    expect((await store.notifications.page(bob, 0, 10)).notifications).toHaveLength(1);
    expect(await store.conversations.prunePostKeys(11)).toBe(1);
    expect(await store.conversations.postMessage(conversation.id, ada, post('again'), 30, key)).toMatchObject({ kind: 'done' });
  });

  it('tells whether a user shares a conversation an asset was shared in', async () => {
    const [ada, bob, cyd] = [await person(), await person(), await person()];
    const conversation = group(ada, [bob]);
    await store.conversations.create(conversation, null, () => [], 5);
    const asset = { key: randomUUID(), owner: ada.userId, public: false, retention: 'persistent' as const, size: 1, tokenHash: 't', createdAt: 1, expiresAt: null };
    await store.assets.create(asset, conversation.id);
    expect(await store.conversations.sharesAssetWith(asset.key, bob.userId)).toBe(true);
    expect(await store.conversations.sharesAssetWith(asset.key, cyd.userId)).toBe(false);
  });
});

describe.each(BACKENDS)('notification queues in the $name store', (backend) => {
  let store: Repositories;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(() => store.close());

  async function owner(devices: number): Promise<Readonly<{ userId: string; clients: readonly string[] }>> {
    const created = user();
    await store.users.create(created);
    const clients = Array.from({ length: devices }, () => clientId());
    for (const id of clients) await store.addDevice(created.id, id);
    return { userId: created.id, clients };
  }

  it('queues events for devices, pages them after a cursor, and keeps acknowledgements from going down', async () => {
    const ada = await owner(2);
    const [first = '', second = ''] = ada.clients;
    const me = { userId: ada.userId, clientId: first };
    const delivered = await store.notifications.enqueue(
      [{ users: [ada.userId], event: passwordChanged }, { clients: [me, { userId: ada.userId, clientId: clientId() }], event: passwordChanged }, { users: [ada.userId], except: me, event: passwordChanged }],
      1000,
    );
    expect(delivered.map((each) => each.target.clientId)).toEqual([...[first, second].sort(), first, second]);
    const ids = delivered.filter((each) => each.target.clientId === first).map((each) => each.notification.id);
    expect(ids).toHaveLength(2);
    const page = await store.notifications.page(me, 0, 1);
    expect(page).toMatchObject({ hasMore: true, resyncRequired: false, expiredUpTo: 0 });
    expect(page.notifications).toEqual([{ id: ids[0], time: new Date(1000).toISOString(), event: passwordChanged }]);
    expect((await store.notifications.page(me, ids[0] ?? 0, 10)).notifications.map((n) => n.id)).toEqual([ids[1]]);
    expect(await store.notifications.last(me)).toBe(ids[1]);
    await store.notifications.ack([{ client: me, upTo: ids[1] ?? 0 }, { client: me, upTo: ids[0] ?? 0 }]);
    await store.notifications.ack([{ client: me, upTo: ids[0] ?? 0 }]);
    // Acked notifications expire without a resync; the other device's did not ack.
    expect(await store.notifications.prune(2000)).toBe(4);
    expect(await store.notifications.page(me, ids[1] ?? 0, 10)).toMatchObject({ notifications: [], resyncRequired: false });
    const other = await store.notifications.page({ userId: ada.userId, clientId: second }, 0, 10);
    expect(other).toMatchObject({ notifications: [], resyncRequired: true });
    expect(other.expiredUpTo).toBeGreaterThan(0);
  });

  it('never lets a reader see a notification id before a smaller one: a cursor following writers at the same time misses nothing', async () => {
    const ada = await owner(1);
    const me = { userId: ada.userId, clientId: ada.clients[0] ?? '' };
    let writing = true;
    const writers = Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let round = 0; round < 25; round += 1) {
          await store.notifications.enqueue(Array.from({ length: 3 }, () => ({ clients: [me], event: passwordChanged })), 1000);
        }
      }),
    ).finally(() => {
      writing = false;
    });
    const seen: number[] = [];
    let cursor = 0;
    for (;;) {
      const stillWriting = writing;
      const page = await store.notifications.page(me, cursor, 50);
      for (const notification of page.notifications) seen.push(notification.id);
      cursor = seen.at(-1) ?? cursor;
      if (!stillWriting && !page.hasMore && page.notifications.length === 0) break;
    }
    await writers;
    const all: number[] = [];
    for (let from = 0; ; ) {
      const page = await store.notifications.page(me, from, 500);
      all.push(...page.notifications.map((n) => n.id));
      if (!page.hasMore) break;
      from = all.at(-1) ?? from;
    }
    expect(all).toHaveLength(8 * 25 * 3);
    expect(seen).toEqual(all);
  });
});

describe('schema versions', () => {
  it('numbers the PostgreSQL migrations like the SQLite ones, so a version means the same tables', () => {
    expect(PG_MIGRATIONS.map((migration) => migration.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
  });

  it('refuses a PostgreSQL database written by a newer server, as the SQLite store does', async () => {
    if (cluster === undefined) throw new Error('no cluster');
    const url = await cluster.createDatabase();
    const first = await openPostgres(url);
    if (!first.ok) throw new Error(first.error.message);
    await first.value.query('UPDATE cairn_schema SET version = $1', [PG_MIGRATIONS.length + 1]);
    await first.value.end();
    const again = await openPostgres(url);
    expect(again.ok).toBe(false);
    expect(!again.ok && again.error.code).toBe('database-too-new');
  });

  it('migrates once when several servers start on one database at the same time', async () => {
    if (cluster === undefined) throw new Error('no cluster');
    const url = await cluster.createDatabase();
    const opened = await Promise.all(Array.from({ length: 3 }, () => openPostgres(url)));
    for (const each of opened) expect(each.ok).toBe(true);
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    expect((await check.query('SELECT version FROM cairn_schema')).rows).toEqual([{ version: PG_MIGRATIONS.length }]);
    await check.end();
    for (const each of opened) if (each.ok) await each.value.end();
  });
});
