import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../../protocol';
import { API_ERRORS, AssetSchema, ROUTES, SubconversationSchema } from '../../../protocol';
import { createGroup } from './support/conversations';
import { fakeKeyPackage } from './support/mls';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestClient } from './support/users';
import { userWithClient } from './support/users';

/** Small seeded PRNG (mulberry32) so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['email', 'password', 'code', 'name', 'type', 'users', 'id', 'domain', 'prekeys', 'lastPrekey', 'keyPackages', 'commit', 'groupInfo', 'welcome', 'adds', 'removes', 'message', 'upTo', 'role', 'messageTimer', 'handle', 'picture', 'conversation', 'enabled', 'key', '__proto__', 'constructor'];

function fuzzValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * 12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1);
    case 3:
      return random() * 1e308;
    case 4:
      return '';
    case 5:
      return 'x'.repeat(Math.floor(random() * 5000));
    case 6:
      return randomBytes(Math.floor(random() * 64)).toString('base64');
    case 7:
      return '\u0000\ud800<script>\u202e../../etc/passwd';
    case 8:
      return '123456';
    case 9:
    case 10:
      return depth > 3 ? [] : Array.from({ length: Math.floor(random() * 4) }, () => fuzzValue(random, depth + 1));
    default: {
      if (depth > 3) return {};
      const entries = Array.from({ length: Math.floor(random() * 5) }, () => [KEYS[Math.floor(random() * KEYS.length)] ?? 'k', fuzzValue(random, depth + 1)] as const);
      return Object.fromEntries(entries);
    }
  }
}

function fuzzSegment(random: () => number, valid: string): string {
  const choices = [valid, '', '..', '%00', 'ZZ', 'a'.repeat(300), encodeURIComponent('\u202e'), '00000000-0000-4000-8000-000000000000', '0123456789abcdef', '%E0%A4%A', '%2e%2e%2f'];
  return choices[Math.floor(random() * choices.length)] ?? valid;
}

describe('hardening', () => {
  let t: TestServer;
  let ada: TestClient;
  let valid: Record<string, string>;
  beforeAll(async () => {
    t = await startTestServer();
    ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    const asset = AssetSchema.parse(
      (await t.api.post('/assets', { token: ada.token, rawBody: randomBytes(10), contentType: 'application/octet-stream' })).body,
    );
    const callGroup = SubconversationSchema.parse((await t.api.post(`/conversations/${group.qualifiedId.id}/subconversations`, { token: ada.clientToken, body: {} })).body);
    valid = { domain: 'cairn.test', id: bob.id, user: bob.id, client: ada.clientId, conv: group.qualifiedId.id, key: asset.key, sub: callGroup.id };
  });
  afterAll(async () => t.stop());

  it('answers 1 500 fuzzed requests across every route with 4xx and a stable code, never a 5xx, and stays healthy', async () => {
    const random = prng(20261123);
    const routes: ReadonlyArray<readonly [string, RouteSpec]> = Object.entries(ROUTES);
    const failures: string[] = [];
    let sent = 0;
    const codes = new Map<string, number>();
    for (const [name, spec] of routes) {
      // Signing out ends the session whose token the fuzz uses for every other route.
      if (name === 'awaitNotifications' || name === 'logout') continue;
      const cases = Array.from({ length: 32 }, () => {
        const path = spec.path.replace(/:([a-z]+)/g, (_match, param: string) => fuzzSegment(random, valid[param] ?? 'x'));
        const query = random() < 0.5 ? `?${KEYS[Math.floor(random() * KEYS.length)] ?? 'q'}=${encodeURIComponent(String(fuzzValue(random, 3)).replace(/[\ud800-\udfff]/g, ''))}` : '';
        const useBody = spec.method !== 'GET' && random() < 0.9;
        const rawBody = random() < 0.1 ? '{"unterminated": [' : JSON.stringify(fuzzValue(random, 0));
        return { path: `${path}${query}`, rawBody: useBody ? rawBody : undefined };
      });
      const responses = await Promise.all(
        cases.map((fuzz) =>
          t.api.request(spec.method, fuzz.path, {
            token: spec.auth === 'client' ? ada.clientToken : ada.token,
            cookie: ada.cookie,
            ...(fuzz.rawBody === undefined ? {} : { rawBody: fuzz.rawBody }),
          }),
        ),
      );
      sent += responses.length;
      responses.forEach((response, index) => {
        const body = response.body;
        const code = typeof body === 'object' && body !== null ? Reflect.get(body, 'code') : undefined;
        const label = `${response.status} ${typeof code === 'string' ? code : ''}`;
        codes.set(label, (codes.get(label) ?? 0) + 1);
        if (response.status >= 500 || (response.status >= 400 && !(typeof code === 'string' && code in API_ERRORS))) {
          failures.push(`${spec.method} ${cases[index]?.path ?? ''} ${cases[index]?.rawBody?.slice(0, 200) ?? ''} -> ${response.status} ${response.raw.toString().slice(0, 200)}`);
        }
      });
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1400);
    // The fuzz reached validation and handlers, not just the authentication gate.
    expect(codes.get('400 bad-request') ?? 0).toBeGreaterThan(500);
    console.info(`fuzz outcomes: ${JSON.stringify(Object.fromEntries(codes))}`);
    expect((await t.api.get('/version')).status).toBe(200);
    expect((await t.api.get('/self', { token: ada.token })).status).toBe(200);
  });

  it('requires credentials on every route but /version and the sign-up and sign-in routes', async () => {
    const routes: ReadonlyArray<readonly [string, RouteSpec]> = Object.entries(ROUTES);
    for (const [name, spec] of routes) {
      if (spec.auth === 'none' || name === 'awaitNotifications') continue;
      const path = spec.path.replace(/:([a-z]+)/g, (_match, param: string) => valid[param] ?? 'x');
      const anonymous = await t.api.request(spec.method, path, spec.method === 'GET' ? {} : { body: {} });
      expect([name, anonymous.status, anonymous.body]).toEqual([name, 401, expect.objectContaining({ code: 'unauthorized' })]);
      if (spec.auth === 'client') {
        const withoutDevice = await t.api.request(spec.method, path, { token: ada.token, ...(spec.method === 'GET' ? {} : { body: {} }) });
        expect([name, withoutDevice.status, withoutDevice.body]).toEqual([name, 403, expect.objectContaining({ code: 'client-required' })]);
      }
    }
  });

  it('refuses JSON bodies over the size limit with 413 and keeps serving', async () => {
    const huge = JSON.stringify({ keyPackages: ['A'.repeat(5 * 1024 * 1024)] });
    const response = await t.api.post(`/mls/key-packages/self/${ada.clientId}`, { token: ada.clientToken, rawBody: huge });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'payload-too-large' });
    expect((await t.api.get('/version')).status).toBe(200);
  });

  it('rejects deeply nested JSON as a bad request', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const response = await t.api.post('/login', { rawBody: deep });
    expect(response.status).toBe(400);
    expect((await t.api.get('/version')).status).toBe(200);
  });

  it('rate-limits key package claims per claiming user', async () => {
    // Claims of one's own packages (for another device of the same user) count only here.
    const claimer = await userWithClient(t.api, t.dataDir);
    const statuses: number[] = [];
    for (let batch = 0; batch < 7; batch += 1) {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => t.api.post(`/mls/key-packages/claim/cairn.test/${claimer.id}`, { token: claimer.clientToken })),
      );
      statuses.push(...responses.map((response) => response.status));
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(300);
    expect(statuses.filter((status) => status === 429)).toHaveLength(50);
    t.clock.advance(61_000);
    expect((await t.api.post(`/mls/key-packages/claim/cairn.test/${claimer.id}`, { token: claimer.clientToken })).status).toBe(200);
  });

  it("limits how often one user claims another user's key packages, with a plain 429 and Retry-After", async () => {
    const owner = await userWithClient(t.api, t.dataDir);
    const keyPackages = await Promise.all(Array.from({ length: 30 }, () => fakeKeyPackage(owner)));
    await t.api.post(`/mls/key-packages/self/${owner.clientId}`, { token: owner.clientToken, body: { keyPackages } });
    const drainer = await userWithClient(t.api, t.dataDir);
    const claim = (claimer: TestClient, target: string) => t.api.post(`/mls/key-packages/claim/cairn.test/${target}`, { token: claimer.clientToken });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) statuses.push((await claim(drainer, owner.id)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const refused = await claim(drainer, owner.id);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate-limited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(600);
    // The owner keeps packages for others: ten of thirty are left after the drainer's twenty.
    expect((await t.api.get(`/mls/key-packages/self/${owner.clientId}/count?ciphersuite=1`, { token: owner.clientToken })).body).toEqual({ count: 10 });
    const friend = await userWithClient(t.api, t.dataDir);
    expect((await claim(friend, owner.id)).body).toMatchObject({ keyPackages: [{ client: owner.clientId }] });
    expect((await claim(drainer, friend.id)).status).toBe(200);
    t.clock.advance(Number(refused.headers['retry-after']) * 1000);
    expect((await claim(drainer, owner.id)).status).toBe(200);
  });

  it('sends HSTS on every response: success, error, unknown route and malformed address', async () => {
    const responses = await Promise.all([
      t.api.get('/version'),
      t.api.get('/self'),
      t.api.get('/no-such-route'),
      t.api.get('/users/cairn.test/%E0%A4%A'),
      t.api.post('/login', { rawBody: '{', contentType: 'application/json' }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 401, 404, 400, 400]);
    expect(responses.map((response) => response.headers['strict-transport-security'])).toEqual(Array(5).fill('max-age=63072000; includeSubDomains'));
  });

  it("offers exactly the whitepaper's TLS suites: each listed one connects, any other is refused", async () => {
    const { hostname, port } = new URL(t.server.url);
    const handshake = (options: tls.ConnectionOptions) =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: hostname, port: Number(port), ca: t.api.ca, ...options }, () => {
          const name = socket.getCipher().standardName;
          socket.destroy();
          resolve(name);
        });
        socket.once('error', reject);
      });
    const tls13 = (suite: string) => handshake({ minVersion: 'TLSv1.3', ciphers: suite });
    const tls12 = (suite: string) => handshake({ maxVersion: 'TLSv1.2', ciphers: suite });
    // Seed 002, Transport Encryption.
    expect(await tls12('ECDHE-ECDSA-AES256-GCM-SHA384')).toBe('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
    expect(await tls13('TLS_AES_128_GCM_SHA256')).toBe('TLS_AES_128_GCM_SHA256');
    expect(await tls13('TLS_AES_256_GCM_SHA384')).toBe('TLS_AES_256_GCM_SHA384');
    for (const outside of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-AES256-GCM-SHA384', 'AES256-GCM-SHA384']) {
      await expect(tls12(outside), outside).rejects.toThrow();
    }
    await expect(tls13('TLS_CHACHA20_POLY1305_SHA256')).rejects.toThrow();
    await expect(handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow();
  });

  it('rate-limits requests for registration codes per address', async () => {
    const email = `limit-${randomBytes(4).toString('hex')}@example.org`;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) statuses.push((await t.api.post('/activate/send', { body: { email } })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});
