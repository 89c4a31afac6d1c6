import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Api } from './api';
import { field, userCookie } from './api';
import { lastCode } from './mail';

export const PASSWORD = 'Correct-horse-9';

export type TestUser = Readonly<{ id: string; email: string; token: string; cookie: string; password: string }>;
export type TestClient = TestUser & Readonly<{ clientId: string; clientToken: string }>;

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}@example.org`;
}

/** Registers a user through the real e-mail code flow. */
export async function registerUser(api: Api, dataDir: string, name = 'Test User', email = uniqueEmail()): Promise<TestUser> {
  expect((await api.post('/activate/send', { body: { email } })).status).toBe(202);
  const code = await lastCode(dataDir, email, 'activation');
  const response = await api.post('/register', { body: { email, code, password: PASSWORD, name } });
  expect(response.status, response.raw.toString()).toBe(201);
  return { id: field(response, 'user'), email, token: field(response, 'accessToken'), cookie: userCookie(response), password: PASSWORD };
}

function fakeKey(): string {
  return randomBytes(32).toString('base64');
}

export function prekeys(count: number, start = 0): { id: number; key: string }[] {
  return Array.from({ length: count }, (_, index) => ({ id: start + index, key: fakeKey() }));
}

/** Signs in again: each device has its own cookie, as each real device signs in separately. */
export async function login(api: Api, user: TestUser): Promise<TestUser> {
  const response = await api.post('/login', { body: { email: user.email, password: user.password } });
  expect(response.status, response.raw.toString()).toBe(200);
  return { ...user, token: field(response, 'accessToken'), cookie: userCookie(response) };
}

/** Signs in as a new device of `user` and returns an access token bound to it. */
export async function addClient(api: Api, account: TestUser, type: 'permanent' | 'temporary' = 'permanent'): Promise<TestClient> {
  const user = await login(api, account);
  const created = await api.post('/clients', {
    token: user.token,
    body: { password: user.password, type, class: 'desktop', label: 'test', lastPrekey: { id: 65535, key: fakeKey() }, prekeys: prekeys(5) },
  });
  expect(created.status, created.raw.toString()).toBe(201);
  const clientId = field(created, 'id');
  const access = await api.post(`/access?client_id=${clientId}`, { cookie: user.cookie });
  expect(access.status, access.raw.toString()).toBe(200);
  return { ...user, clientId, clientToken: field(access, 'accessToken') };
}

/** A user with one registered device. */
export async function userWithClient(api: Api, dataDir: string, name = 'Test User'): Promise<TestClient> {
  return addClient(api, await registerUser(api, dataDir, name));
}

/** A fresh device-bound access token, e.g. after the test clock moved past 15 minutes. */
export async function refreshed(api: Api, client: TestClient): Promise<TestClient> {
  const access = await api.post(`/access?client_id=${client.clientId}`, { cookie: client.cookie });
  expect(access.status, access.raw.toString()).toBe(200);
  return { ...client, clientToken: field(access, 'accessToken') };
}
