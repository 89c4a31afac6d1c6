import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from './support/api';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestUser } from './support/users';
import { login, registerUser } from './support/users';

const BURST = 12;

function codeOf(response: ApiResponse): unknown {
  return typeof response.body === 'object' && response.body !== null && 'code' in response.body ? response.body.code : undefined;
}

describe('password hashing under a burst of sign-ins', () => {
  let t: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    // One hashing thread with room for two waiting jobs; the sign-in throttle is opened wide so
    // that only the hashing queue decides here.
    t = await startTestServer({ hashPool: { workers: 1, maxQueued: 2, maxPerAddress: 100 }, loginThrottle: { freeFailures: 1000 } });
    user = await registerUser(t.api, t.dataDir);
  });
  afterAll(() => t.stop());

  it('answers sign-ins beyond the hashing queue at once with 503 server-busy and Retry-After, signs in the queued ones, and keeps serving others', async () => {
    const burst = Promise.all(Array.from({ length: BURST }, () => t.api.post('/login', { body: { email: user.email, password: user.password } })));
    const other = await t.api.get('/self', { token: user.token });
    const answers = await burst;
    expect(other.status).toBe(200);
    const busy = answers.filter((answer) => answer.status === 503);
    const signedIn = answers.filter((answer) => answer.status === 200);
    expect(busy.length + signedIn.length, JSON.stringify(answers.map((answer) => answer.status))).toBe(BURST);
    expect(busy.length).toBeGreaterThan(0);
    expect(signedIn.length).toBeGreaterThan(0);
    for (const answer of busy) {
      expect(codeOf(answer)).toBe('server-busy');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it('does not count a sign-in it had no room to check against the account, so the owner is not slowed afterwards', async () => {
    const strict = await startTestServer({ hashPool: { workers: 1, maxQueued: 1, maxPerAddress: 100 } });
    try {
      const owner = await registerUser(strict.api, strict.dataDir);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => strict.api.post('/login', { body: { email: owner.email, password: 'Wrong-horse-1' } })),
      );
      const checked = answers.filter((answer) => answer.status === 403).length;
      expect(answers.filter((answer) => answer.status === 503).length).toBeGreaterThan(0);
      // Five free failures per account and address: only the checked guesses may use them up.
      expect(checked).toBeLessThan(5);
      await login(strict.api, owner);
    } finally {
      await strict.stop();
    }
  });

  it("refuses a client address that holds its share of the hashing queue with 429, while another address's sign-in goes through", async () => {
    const shared = await startTestServer({ hashPool: { workers: 1, maxQueued: 50, maxPerAddress: 2 }, loginThrottle: { freeFailures: 1000 } });
    try {
      const owner = await registerUser(shared.api, shared.dataDir);
      const crowd = Promise.all(
        Array.from({ length: 6 }, () => shared.api.post('/login', { body: { email: owner.email, password: owner.password } })),
      );
      const elsewhere = shared.api.from('127.0.0.2');
      const fromElsewhere = await elsewhere.post('/login', { body: { email: owner.email, password: owner.password } });
      const answers = await crowd;
      elsewhere.close();
      expect(fromElsewhere.status).toBe(200);
      const limited = answers.filter((answer) => answer.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      for (const answer of limited) {
        expect(codeOf(answer)).toBe('rate-limited');
        expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await shared.stop();
    }
  });
});
