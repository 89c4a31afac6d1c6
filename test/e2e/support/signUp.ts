import path from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../../server/server';
import { mailedCode } from '../../support/outbox';
import { TEST_PASSWORD } from '../../support/serverAccounts';
import type { TestClient, TestHost } from '../../host/testHost';

type PageResult = { ok: boolean; error?: { code: string; message: string } };
type PageCairn = { request: (channel: string, payload: unknown) => Promise<PageResult> };

/** Calls the real core through the page's own `window.cairn`, as the renderer would. */
export function bridgeRequest(page: Page, channel: string, payload: unknown): Promise<PageResult & { value?: unknown }> {
  return page.evaluate(([c, p]) => (globalThis as unknown as { cairn: PageCairn }).cairn.request(c as string, p), [channel, payload] as const);
}

/**
 * The user picks `files` in the (stand-in) open dialog through the page's `window.cairn.shell`;
 * resolves to the grants the page received, as the renderer would get them.
 */
export async function pickInPage(client: TestClient, files: readonly string[]): Promise<Array<{ grant: string; name: string }>> {
  client.shell.willPickFiles(files);
  return client.page.evaluate(() =>
    (globalThis as unknown as { cairn: { shell: { pickFiles(): Promise<Array<{ grant: string; name: string }>> } } }).cairn.shell.pickFiles(),
  );
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

/**
 * Launches a client on `profile` (a folder under the test's root) with the test server
 * pre-filled and signs `email` up through its bridge; resolves once the UI shows it signed in.
 */
export async function launchSignedUp(
  host: TestHost,
  server: RunningServer,
  root: string,
  person: Readonly<{ profile: string; email: string; name: string; colorScheme?: 'light' | 'dark' }>,
): Promise<TestClient> {
  const client = await host.launch({
    dataDir: path.join(root, person.profile),
    defaultServer: { url: server.url, pins: [server.pin] },
    ...(person.colorScheme ? { colorScheme: person.colorScheme } : {}),
  });
  await client.page.getByLabel('Server address').waitFor();
  await signUpThroughBridge(client.page, server, root, person.email, person.name);
  await client.page.getByTestId('signed-in-name').waitFor();
  return client;
}

/** Alice Moss and Bob Lichen, signed up in two browser contexts (Bob's in `bobScheme`, dark by default). */
export async function launchAliceAndBob(
  host: TestHost,
  server: RunningServer,
  root: string,
  bobScheme: 'light' | 'dark' = 'dark',
): Promise<{ alice: TestClient; bob: TestClient }> {
  const alice = await launchSignedUp(host, server, root, { profile: 'alice', email: 'alice@example.test', name: 'Alice Moss' });
  const bob = await launchSignedUp(host, server, root, { profile: 'bob', email: 'bob@example.test', name: 'Bob Lichen', colorScheme: bobScheme });
  return { alice, bob };
}

/** The signed-in user of a client, as `{ id, domain }`. */
export async function userOf(client: TestClient): Promise<{ id: string; domain: string }> {
  const status = await bridgeRequest(client.page, 'account.status', {});
  const { id, domain } = (status.value as { user: { id: string; domain: string } }).user;
  return { id, domain };
}

/** `creator` makes a group `name` with `member` through the bridge; resolves with its id once the member's list shows it. */
export async function groupWith(creator: TestClient, member: TestClient, name: string): Promise<string> {
  const created = await bridgeRequest(creator.page, 'conversations.create', { name, members: [await userOf(member)] });
  if (!created.ok) throw new Error(created.error?.message);
  await member.page.getByTestId('conversation-item').filter({ hasText: name }).waitFor({ timeout: 15_000 });
  return (created.value as { id: string }).id;
}
