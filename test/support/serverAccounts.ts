import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { silentLogger } from '../../electron/core/log';
import { ApiClient } from '../../electron/core/net/apiClient';
import { Session } from '../../electron/core/net/session';
import type { RunningServer } from '../../server/server';
import { mailedCode } from './outbox';

export const TEST_PASSWORD = 'Granite-Path-7';

export function apiClient(server: RunningServer, cookie?: string): ApiClient {
  return new ApiClient({ baseUrl: server.url, pins: [server.pin], session: new Session(cookie), log: silentLogger });
}

/** Registers an account through the API (code read from the server's outbox). */
export async function registerAccount(server: RunningServer, serverDataDir: string, email: string, name: string): Promise<ApiClient> {
  const api = apiClient(server);
  await api.call('sendActivationCode', { body: { email } });
  const code = await mailedCode(serverDataDir, email);
  const access = await api.call('register', { body: { email, code, password: TEST_PASSWORD, name } });
  api.session.setToken(access.accessToken, access.expiresIn);
  return api;
}

/** Signs in again (a new cookie, as a new device would) and registers a device for it. */
export async function addDevice(server: RunningServer, email: string, label: string): Promise<ApiClient> {
  const api = apiClient(server);
  const access = await api.call('login', { body: { email, password: TEST_PASSWORD } });
  api.session.setToken(access.accessToken, access.expiresIn);
  await registerDevice(api, label);
  return api;
}

/**
 * Registers a device with placeholder prekey bytes (the server stores them opaquely) and binds
 * the session's access token to it.
 */
export async function registerDevice(api: ApiClient, label: string): Promise<string> {
  const key = (): string => randomBytes(32).toString('base64');
  const client = await api.call('addClient', {
    body: { password: TEST_PASSWORD, type: 'permanent', label, lastPrekey: { id: 65535, key: key() }, prekeys: [{ id: 0, key: key() }] },
  });
  api.session.clientId = client.id;
  api.session.dropToken();
  return client.id;
}

export function serverDir(root: string): string {
  return path.join(root, 'server');
}
