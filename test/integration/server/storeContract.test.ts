import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CookieRecord, UserRecord } from '../../../server/store/records';
import type { AssetRepository, CodeRepository, CookieRepository, KeyPackageRepository, SecretRepository, UserRepository } from '../../../server/store/repositories';
import { MIGRATIONS } from '../../../server/store/migrations';
import { PgAssetRepository } from '../../../server/store/postgres/assets';
import { PgCodeRepository, PgCookieRepository, PgSecretRepository, PgUserRepository } from '../../../server/store/postgres/accounts';
import { openPostgres } from '../../../server/store/postgres/database';
import { PgKeyPackageRepository } from '../../../server/store/postgres/keyPackages';
import { SqliteKeyPackageRepository } from '../../../server/store/sqlite/keyPackages';
import { PG_MIGRATIONS } from '../../../server/store/postgres/migrations';
import { SqliteAssetRepository } from '../../../server/store/sqlite/assets';
import { SqliteCodeRepository } from '../../../server/store/sqlite/codes';
import { SqliteCookieRepository } from '../../../server/store/sqlite/cookies';
import { openDatabase } from '../../../server/store/sqlite/database';
import { SqliteSecretRepository } from '../../../server/store/sqlite/secrets';
import { SqliteUserRepository } from '../../../server/store/sqlite/users';
import type { PostgresCluster } from '../../support/postgresCluster';
import { startPostgresCluster } from '../../support/postgresCluster';

/**
 * The repositories the PostgreSQL store implements so far, held to the same behaviour as the
 * SQLite store: each test runs against both, on a fresh database each.
 */
type Repositories = Readonly<{
  users: UserRepository;
  codes: CodeRepository;
  cookies: CookieRepository;
  secrets: SecretRepository;
  assets: AssetRepository;
  keyPackages: KeyPackageRepository;
  /** A device row (the client repository is not ported yet): key packages belong to one. */
  addDevice(userId: string, clientId: string): Promise<void>;
  close(): Promise<void>;
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

const BACKENDS: readonly Backend[] = [
  {
    name: 'SQLite',
    open: async () => {
      if (scratch === undefined) throw new Error('no scratch folder');
      const opened = openDatabase(path.join(scratch, `${randomUUID()}.db`));
      if (!opened.ok) throw new Error(opened.error.message);
      const db = opened.value;
      return {
        users: new SqliteUserRepository(db),
        codes: new SqliteCodeRepository(db),
        cookies: new SqliteCookieRepository(db),
        secrets: new SqliteSecretRepository(db),
        assets: new SqliteAssetRepository(db),
        keyPackages: new SqliteKeyPackageRepository(db),
        addDevice: async (userId, clientId) => {
          db.prepare(`INSERT INTO clients (user_id, id, type, class, created_at) VALUES (?, ?, 'permanent', 'desktop', 0)`).run(userId, clientId);
        },
        close: async () => {
          db.close();
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      if (cluster === undefined) throw new Error('no cluster');
      const opened = await openPostgres(await cluster.createDatabase());
      if (!opened.ok) throw new Error(opened.error.message);
      const db = opened.value;
      return {
        users: new PgUserRepository(db),
        codes: new PgCodeRepository(db),
        cookies: new PgCookieRepository(db),
        secrets: new PgSecretRepository(db),
        assets: new PgAssetRepository(db),
        keyPackages: new PgKeyPackageRepository(db),
        addDevice: async (userId, clientId) => {
          await db.query(`INSERT INTO clients (user_id, id, type, class, created_at) VALUES ($1, $2, 'permanent', 'desktop', 0)`, [userId, clientId]);
        },
        close: () => db.end(),
      };
    },
  },
];

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
