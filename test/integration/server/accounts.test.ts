import { serverQuery } from '../../support/serverDatabase';
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

  it('answers a registered address as it answers a new one, mailing its owner a notice instead of a code', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const fresh = uniqueEmail();
    const [taken, free] = await Promise.all([
      t.api.post('/activate/send', { body: { email: user.email } }),
      t.api.post('/activate/send', { body: { email: fresh } }),
    ]);
    expect({ status: taken.status, body: taken.body }).toEqual({ status: free.status, body: free.body });
    expect(taken.status).toBe(202);
    const mails = (await readOutbox(t.dataDir)).filter((mail) => mail.to === user.email);
    expect(mails.map((mail) => mail.kind)).toEqual(['activation', 'activation-existing']);
    expect(mails[1]?.code).toBeUndefined();
    expect(mails[1]?.text).toMatch(/already have one/);
    // Registering with a guessed code fails as it does for an address nobody registered.
    const onTaken = await t.api.post('/register', { body: { email: user.email, code: '123456', password: PASSWORD, name: 'Eve' } });
    const onUnknown = await t.api.post('/register', { body: { email: uniqueEmail(), code: '123456', password: PASSWORD, name: 'Eve' } });
    expect({ status: onTaken.status, body: onTaken.body }).toEqual({ status: onUnknown.status, body: onUnknown.body });
  });

  it('refuses passwords that break the policy', async () => {
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
    const [row] = await serverQuery(t.dataDir, 'SELECT password_hash FROM users WHERE id = $1', [user.id]);
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
      const [row] = await serverQuery(t.dataDir, 'SELECT password_hash FROM users WHERE id = $1', [user.id]);
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
    // Two characters of the signature changed; never to what they already were (about 1 token in 1 024 ends in "AA").
    const tampered = `${user.token.slice(0, -2)}${user.token.endsWith('AA') ? 'BB' : 'AA'}`;
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

  it('slows password guessing per account and address with a doubling wait, before any hash is checked', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const attacker = t.api.from('127.0.0.2');
    try {
      const guess = (password = 'Wrong-pass-1') => attacker.post('/login', { body: { email: user.email, password } });
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) statuses.push((await guess()).status);
      expect(statuses).toEqual([403, 403, 403, 403, 403]);
      const waited = await guess();
      expect(waited.status).toBe(429);
      expect(waited.body).toMatchObject({ code: 'rate-limited' });
      expect(waited.headers['retry-after']).toBe('1');
      // The limit comes before the hash: even the right password is refused during the wait.
      expect((await guess(PASSWORD)).status).toBe(429);
      t.clock.advance(1000);
      expect((await guess()).status).toBe(403);
      const longer = await guess();
      expect(longer.headers['retry-after']).toBe('2');
      // The owner, from their own address, signs in at once all the while.
      expect((await t.api.post('/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(200);
      t.clock.advance(2000);
      expect((await guess(PASSWORD)).status).toBe(200);
      // A success clears the pair: the next typo is not delayed.
      expect((await guess()).status).toBe(403);
    } finally {
      attacker.close();
    }
  });

  it('gives each address a budget of wrong passwords across accounts, leaving other addresses unaffected', async () => {
    const limited = await startTestServer({ loginThrottle: { addressBudget: 4 } });
    const attacker = limited.api.from('127.0.0.3');
    try {
      const users = await Promise.all([0, 1, 2, 3, 4].map(() => registerUser(limited.api, limited.dataDir)));
      const statuses: number[] = [];
      for (const user of users) statuses.push((await attacker.post('/login', { body: { email: user.email, password: 'Wrong-pass-1' } })).status);
      expect(statuses).toEqual([403, 403, 403, 403, 429]);
      const last = users[4];
      if (!last) throw new Error('no user');
      expect((await limited.api.post('/login', { body: { email: last.email, password: PASSWORD } })).status).toBe(200);
    } finally {
      attacker.close();
      await limited.stop();
    }
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
    const { key, code } = await resetMail(user.email);
    // A second request answers as the first did; the mail it sends carries no new code.
    expect((await t.api.post('/password-reset', { body: { email: user.email } })).status).toBe(202);
    expect((await readOutbox(t.dataDir)).filter((mail) => mail.to === user.email).map((mail) => mail.kind)).toEqual([
      'activation',
      'password-reset',
      'password-reset-pending',
    ]);
    expect(await resetMail(user.email)).toEqual({ key, code });
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

  it('answers the same for unknown addresses, mailing a notice without a code', async () => {
    const email = uniqueEmail();
    const user = await registerUser(t.api, t.dataDir);
    const unknown = await t.api.post('/password-reset', { body: { email } });
    const known = await t.api.post('/password-reset', { body: { email: user.email } });
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: known.status, body: known.body });
    const mails = (await readOutbox(t.dataDir)).filter((mail) => mail.to === email);
    expect(mails.map((mail) => ({ kind: mail.kind, code: mail.code }))).toEqual([{ kind: 'password-reset-unknown', code: undefined }]);
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
