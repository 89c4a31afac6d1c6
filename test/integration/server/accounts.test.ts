import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { field, userCookie } from './support/api';
import { lastCode, readOutbox } from './support/mail';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import { login, PASSWORD, registerUser, uniqueEmail } from './support/users';

const DAY = 24 * 3600 * 1000;

describe('registration', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('mails a 6-digit code and creates the account with it', async () => {
    const email = uniqueEmail();
    expect((await t.api.post('/activate/send', { body: { email } })).status).toBe(202);
    const code = await lastCode(t.dataDir, email, 'activation');
    expect(code).toMatch(/^[0-9]{6}$/);
    const registered = await t.api.post('/register', { body: { email, code, password: PASSWORD, name: 'Ada' } });
    expect(registered.status).toBe(201);
    expect(field(registered, 'user')).toMatch(/^[0-9a-f-]{36}$/);
    expect(userCookie(registered)).toMatch(/^zuid=/);
    const self = await t.api.get('/self', { token: field(registered, 'accessToken') });
    expect(self.body).toMatchObject({ name: 'Ada', email, qualifiedId: { domain: 'cairn.test' } });
  });

  it('invalidates the code after 3 wrong attempts, even for the right code afterwards', async () => {
    const email = uniqueEmail();
    await t.api.post('/activate/send', { body: { email } });
    const code = await lastCode(t.dataDir, email, 'activation');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await t.api.post('/register', { body: { email, code: wrong, password: PASSWORD, name: 'Eve' } });
      expect(response.body).toMatchObject({ code: 'invalid-code' });
    }
    const late = await t.api.post('/register', { body: { email, code, password: PASSWORD, name: 'Eve' } });
    expect(late.status).toBe(403);
    expect(late.body).toMatchObject({ code: 'code-exhausted' });
  });

  it('expires codes after 14 days', async () => {
    const email = uniqueEmail();
    await t.api.post('/activate/send', { body: { email } });
    const code = await lastCode(t.dataDir, email, 'activation');
    t.clock.advance(14 * DAY + 1000);
    const response = await t.api.post('/register', { body: { email, code, password: PASSWORD, name: 'Late' } });
    expect(response.body).toMatchObject({ code: 'code-exhausted' });
  });

  it('refuses passwords that break the policy and addresses already registered', async () => {
    const user = await registerUser(t.api, t.dataDir);
    expect((await t.api.post('/activate/send', { body: { email: user.email } })).body).toMatchObject({ code: 'email-exists' });
    const email = uniqueEmail();
    await t.api.post('/activate/send', { body: { email } });
    const code = await lastCode(t.dataDir, email, 'activation');
    for (const password of ['Short-1', 'alllowercase-1', 'ALLUPPER-1', 'NoDigits-here', 'NoSpecial123']) {
      const response = await t.api.post('/register', { body: { email, code, password, name: 'Weak' } });
      expect(response.status, password).toBe(400);
      expect(response.body).toMatchObject({ code: 'weak-password' });
    }
  });

  it('stores only scrypt hashes with N=2^14, r=8, p=1', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const db = new Database(path.join(t.dataDir, 'cairn.db'), { readonly: true });
    const row: unknown = db.prepare('SELECT password_hash FROM users WHERE id = ?').get(user.id);
    db.close();
    const hash = typeof row === 'object' && row !== null ? Reflect.get(row, 'password_hash') : undefined;
    expect(hash).toMatch(/^14\|8\|1\|[A-Za-z0-9+/=]{44}\|[A-Za-z0-9+/=]+$/);
    expect(String(hash)).not.toContain(PASSWORD);
  });
});

describe('argon2id password hashing', () => {
  it('registers and signs in with argon2id hashes when the operator chooses them', async () => {
    const t = await startTestServer({ passwordAlgorithm: 'argon2id' });
    try {
      const user = await registerUser(t.api, t.dataDir);
      const db = new Database(path.join(t.dataDir, 'cairn.db'), { readonly: true });
      const row: unknown = db.prepare('SELECT password_hash FROM users WHERE id = ?').get(user.id);
      db.close();
      expect(typeof row === 'object' && row !== null ? Reflect.get(row, 'password_hash') : undefined).toMatch(/^\$argon2id\$/);
      expect((await t.api.post('/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(200);
      expect((await t.api.post('/login', { body: { email: user.email, password: 'Wrong-pass-1' } })).status).toBe(403);
    } finally {
      await t.stop();
    }
  });
});

describe('login and tokens', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('signs in with the right password only', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const wrong = await t.api.post('/login', { body: { email: user.email, password: 'Wrong-pass-1' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: 'invalid-credentials' });
    const unknown = await t.api.post('/login', { body: { email: uniqueEmail(), password: PASSWORD } });
    expect(unknown.body).toMatchObject({ code: 'invalid-credentials' });
    const right = await t.api.post('/login', { body: { email: user.email.toUpperCase(), password: PASSWORD } });
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ user: user.id, tokenType: 'Bearer', expiresIn: 900 });
  });

  it('gives persistent cookies a 1-year expiry and session cookies none, both HTTPS-only for /access', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const persistent = await t.api.post('/login', { body: { email: user.email, password: PASSWORD, cookie: 'persistent' } });
    const session = await t.api.post('/login', { body: { email: user.email, password: PASSWORD, cookie: 'session' } });
    const persistentHeader = String(persistent.headers['set-cookie']);
    const sessionHeader = String(session.headers['set-cookie']);
    for (const header of [persistentHeader, sessionHeader]) {
      expect(header).toContain('Path=/access');
      expect(header).toContain('Secure');
      expect(header).toContain('HttpOnly');
    }
    const expires = Date.parse(/Expires=([^;]+)/.exec(persistentHeader)?.[1] ?? '');
    expect(Math.abs(expires - (t.clock.now() + 365 * DAY))).toBeLessThan(60_000);
    expect(sessionHeader).not.toContain('Expires=');
  });

  it('expires access tokens after 15 minutes and refreshes them with the cookie', async () => {
    const user = await registerUser(t.api, t.dataDir);
    expect((await t.api.get('/self', { token: user.token })).status).toBe(200);
    t.clock.advance(15 * 60 * 1000 + 1000);
    const expired = await t.api.get('/self', { token: user.token });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ code: 'access-token-expired' });
    const refreshed = await t.api.post('/access', { cookie: user.cookie });
    expect(refreshed.status).toBe(200);
    expect((await t.api.get('/self', { token: field(refreshed, 'accessToken') })).status).toBe(200);
  });

  it('ends session cookies after a week and persistent ones after a year', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const session = await t.api.post('/login', { body: { email: user.email, password: PASSWORD, cookie: 'session' } });
    t.clock.advance(7 * DAY + 1000);
    expect((await t.api.post('/access', { cookie: userCookie(session) })).status).toBe(401);
    expect((await t.api.post('/access', { cookie: user.cookie })).status).toBe(200);
    t.clock.advance(365 * DAY);
    expect((await t.api.post('/access', { cookie: user.cookie })).status).toBe(401);
  });

  it('renews a persistent cookie on refresh after about three months, keeping the device signed in', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const early = await t.api.post('/access', { cookie: user.cookie });
    expect(early.headers['set-cookie']).toBeUndefined();
    t.clock.advance(92 * DAY);
    const renewed = await t.api.post('/access', { cookie: user.cookie });
    expect(renewed.status).toBe(200);
    const fresh = userCookie(renewed);
    expect(fresh).not.toBe(user.cookie);
    t.clock.advance(300 * DAY);
    expect((await t.api.post('/access', { cookie: user.cookie })).status).toBe(401);
    expect((await t.api.post('/access', { cookie: fresh })).status).toBe(200);
  });

  it('rejects tampered tokens and logs out by revoking the cookie', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const tampered = `${user.token.slice(0, -2)}AA`;
    expect((await t.api.get('/self', { token: tampered })).body).toMatchObject({ code: 'unauthorized' });
    expect((await t.api.get('/self')).status).toBe(401);
    expect((await t.api.post('/access/logout', { cookie: user.cookie })).status).toBe(200);
    expect((await t.api.post('/access', { cookie: user.cookie })).status).toBe(401);
  });

  it('keeps at most 32 persistent cookies, replacing the oldest', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const cookies = [user.cookie];
    for (let index = 0; index < 32; index += 1) {
      if (index % 9 === 8) t.clock.advance(61_000); // stay under the login rate limit
      cookies.push((await login(t.api, user)).cookie);
    }
    expect((await t.api.post('/access', { cookie: cookies[0] })).status).toBe(401);
    for (const cookie of cookies.slice(1)) expect((await t.api.post('/access', { cookie })).status).toBe(200);
  });

  it('rate-limits password guessing per account', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt += 1) {
      statuses.push((await t.api.post('/login', { body: { email: user.email, password: 'Wrong-pass-1' } })).status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 403)).toBe(true);
    expect(statuses[10]).toBe(429);
    t.clock.advance(61_000);
    expect((await t.api.post('/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(200);
  });
});

describe('password reset', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  async function resetMail(email: string): Promise<{ key: string; code: string }> {
    const [key, code] = (await lastCode(t.dataDir, email, 'password-reset')).split(':');
    return { key: key ?? '', code: code ?? '' };
  }

  it('sets a new password with the mailed code and signs out every device', async () => {
    const user = await registerUser(t.api, t.dataDir);
    expect((await t.api.post('/password-reset', { body: { email: user.email } })).status).toBe(202);
    const { key, code } = await resetMail(user.email);
    const done = await t.api.post('/password-reset/complete', { body: { key, code, password: 'New-password-2' } });
    expect(done.status).toBe(200);
    expect((await t.api.post('/access', { cookie: user.cookie })).status).toBe(401);
    expect((await t.api.post('/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(403);
    expect((await t.api.post('/login', { body: { email: user.email, password: 'New-password-2' } })).status).toBe(200);
  });

  it('allows one pending reset per hour and deletes it after 3 wrong codes', async () => {
    const user = await registerUser(t.api, t.dataDir);
    await t.api.post('/password-reset', { body: { email: user.email } });
    expect((await t.api.post('/password-reset', { body: { email: user.email } })).body).toMatchObject({ code: 'password-reset-pending' });
    const { key, code } = await resetMail(user.email);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const wrong = await t.api.post('/password-reset/complete', { body: { key, code: `x${code.slice(1)}`, password: 'New-password-2' } });
      expect(wrong.body).toMatchObject({ code: 'invalid-code' });
    }
    const late = await t.api.post('/password-reset/complete', { body: { key, code, password: 'New-password-2' } });
    expect(late.body).toMatchObject({ code: 'code-exhausted' });
    expect((await t.api.post('/access', { cookie: user.cookie })).status).toBe(200);
  });

  it('expires reset codes after one hour, after which a new reset may start', async () => {
    const user = await registerUser(t.api, t.dataDir);
    await t.api.post('/password-reset', { body: { email: user.email } });
    const { key, code } = await resetMail(user.email);
    t.clock.advance(3600 * 1000 + 1000);
    expect((await t.api.post('/password-reset/complete', { body: { key, code, password: 'New-password-2' } })).body).toMatchObject({
      code: 'code-exhausted',
    });
    expect((await t.api.post('/password-reset', { body: { email: user.email } })).status).toBe(202);
  });

  it('answers the same for unknown addresses, sending no mail', async () => {
    const email = uniqueEmail();
    expect((await t.api.post('/password-reset', { body: { email } })).status).toBe(202);
    expect((await readOutbox(t.dataDir)).some((mail) => mail.to === email)).toBe(false);
  });
});

describe('second factor', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('asks for an e-mailed code at login once enabled, valid for that action only', async () => {
    const user = await registerUser(t.api, t.dataDir);
    expect((await t.api.put('/self/second-factor', { token: user.token, body: { enabled: true, password: PASSWORD } })).body).toMatchObject({
      secondFactor: true,
    });
    const without = await t.api.post('/login', { body: { email: user.email, password: PASSWORD } });
    expect(without.body).toMatchObject({ code: 'code-authentication-required' });
    await t.api.post('/verification-code/send', { body: { email: user.email, action: 'create-client' } });
    const clientCode = await lastCode(t.dataDir, user.email, '2fa-create-client');
    const wrongAction = await t.api.post('/login', { body: { email: user.email, password: PASSWORD, verificationCode: clientCode } });
    expect(wrongAction.status).toBe(403);
    await t.api.post('/verification-code/send', { body: { email: user.email, action: 'login' } });
    const code = await lastCode(t.dataDir, user.email, '2fa-login');
    const withCode = await t.api.post('/login', { body: { email: user.email, password: PASSWORD, verificationCode: code } });
    expect(withCode.status).toBe(200);
    const reused = await t.api.post('/login', { body: { email: user.email, password: PASSWORD, verificationCode: code } });
    expect(reused.body).toMatchObject({ code: 'code-exhausted' });
  });

  it('expires 2FA codes after 15 minutes', async () => {
    const user = await registerUser(t.api, t.dataDir);
    await t.api.put('/self/second-factor', { token: user.token, body: { enabled: true, password: PASSWORD } });
    await t.api.post('/verification-code/send', { body: { email: user.email, action: 'login' } });
    const code = await lastCode(t.dataDir, user.email, '2fa-login');
    t.clock.advance(15 * 60 * 1000 + 1000);
    const late = await t.api.post('/login', { body: { email: user.email, password: PASSWORD, verificationCode: code } });
    expect(late.body).toMatchObject({ code: 'code-exhausted' });
  });
});
