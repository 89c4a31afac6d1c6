import path from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../../server/server';
import { mailedCode } from '../../support/outbox';
import { TEST_PASSWORD } from '../../support/serverAccounts';

type PageResult = { ok: boolean; error?: { code: string; message: string } };
type PageCairn = { request: (channel: string, payload: unknown) => Promise<PageResult> };

/** Calls the real core through the page's own `window.cairn`, as the renderer would. */
export function bridgeRequest(page: Page, channel: string, payload: unknown): Promise<PageResult & { value?: unknown }> {
  return page.evaluate(([c, p]) => (globalThis as unknown as { cairn: PageCairn }).cairn.request(c as string, p), [channel, payload] as const);
}

/**
 * Creates and signs in an account through the page's own `window.cairn` (the real core), for
 * tests whose subject comes after onboarding. Reloads so the UI starts signed in.
 */
export async function signUpThroughBridge(page: Page, server: RunningServer, serverRoot: string, email: string, name: string): Promise<void> {
  const serverConfig = { url: server.url, pins: [server.pin] };
  const call = (channel: string, payload: unknown): Promise<PageResult> => bridgeRequest(page, channel, payload);
  const registered = await call('account.register', { server: serverConfig, email, name, password: TEST_PASSWORD });
  if (!registered.ok) throw new Error(registered.error?.message);
  const code = await mailedCode(path.join(serverRoot, 'server'), email);
  const activated = await call('account.activate', { email, code });
  if (!activated.ok) throw new Error(activated.error?.message);
  await page.reload();
}
