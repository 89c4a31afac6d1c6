import path from 'node:path';
import type { Core } from '../../electron/core/core';
import { createCore } from '../../electron/core/core';
import type { Logger } from '../../electron/core/log';
import { createLogger, silentLogger } from '../../electron/core/log';
import type { CallTimings, CoreTestSeams } from '../../electron/core/session/calls/callOptions';
import type { MachinePolicy } from '../../protocol/machinePolicy';
import type { RunningServer } from '../../server/server';
import { FakeKeychain } from '../fixtures/fakeKeychain';
import { mailedCode } from './outbox';
import { TEST_PASSWORD } from './serverAccounts';

const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const keychain = new FakeKeychain();

export interface ObservedCore {
  readonly core: Core;
  readonly events: Array<{ event: string; payload: unknown }>;
  readonly profile: string;
}

/**
 * A real core on its own profile folder, with every event it emits recorded. `log` receives the
 * core's log (a test that counts what the core passed over); silent by default.
 */
export function startCore(
  root: string,
  profile: string,
  options: Readonly<{ passphrase?: string; machinePolicy?: MachinePolicy; callTimings?: CallTimings; testSeams?: CoreTestSeams; log?: Logger }> = {},
): ObservedCore {
  const core = createCore({
    ...(options.machinePolicy ? { machinePolicy: options.machinePolicy } : {}),
    ...(options.callTimings ? { callTimings: options.callTimings } : {}),
    ...(options.testSeams ? { testSeams: options.testSeams } : {}),
    dataDir: path.join(root, profile),
    appVersion: 'test',
    defaultServer: null,
    // CAIRN_TEST_LOG=1 shows the cores' logs when a test needs explaining; a test that waits for
    // something only the log tells passes its own.
    log: options.log ?? (process.env.CAIRN_TEST_LOG === '1' ? createLogger(profile, undefined, 'debug') : silentLogger),
    // With a passphrase the database key is wrapped by it, so a separate process (a core the
    // test kills, test/fixtures/processCore.ts) can open the same profile.
    store: options.passphrase
      ? { prefer: 'passphrase', passphrase: options.passphrase, kdf: MODEST }
      : { keychain: { service: 'Cairn-test', load: async () => keychain }, kdf: MODEST },
  });
  const events: ObservedCore['events'] = [];
  core.events.subscribe((event, payload) => events.push({ event, payload }));
  return { core, events, profile };
}

/** Closes a core started earlier and stops tracking it (to start the same profile again). */
export async function closeCore(tracked: ObservedCore[], o: ObservedCore): Promise<void> {
  await o.core.close();
  tracked.splice(tracked.indexOf(o), 1);
}

/** Starts one core per name and adds them to `tracked` (closed by the test file's afterAll). */
export function startCores<const N extends readonly string[]>(root: string, tracked: ObservedCore[], ...names: N): { [K in keyof N]: ObservedCore } {
  const started = names.map((name) => startCore(root, name));
  tracked.push(...started);
  return started as { [K in keyof N]: ObservedCore };
}

export interface SignedInUser {
  readonly id: string;
  readonly domain: string;
  readonly clientId: string;
}

/** Registers `email` through the core (code from the server's outbox) and returns who it is. */
export async function registerThroughCore(o: ObservedCore, server: RunningServer, root: string, email: string, name: string): Promise<SignedInUser> {
  const config = { url: server.url, pins: [server.pin] };
  const registered = await o.core.router.request('account.register', { server: config, email, name, password: TEST_PASSWORD });
  if (!registered.ok) throw new Error(registered.error.message);
  const activated = await o.core.router.request('account.activate', { email, code: await mailedCode(path.join(root, 'server'), email) });
  if (!activated.ok || activated.value.state !== 'signed-in') throw new Error(activated.ok ? 'not signed in' : activated.error.message);
  return { id: activated.value.user.id, domain: activated.value.user.domain, clientId: activated.value.clientId };
}

/** Signs an existing account in on another core (a second device). */
export async function signInThroughCore(o: ObservedCore, server: RunningServer, email: string): Promise<SignedInUser> {
  const result = await o.core.router.request('account.login', { server: { url: server.url, pins: [server.pin] }, email, password: TEST_PASSWORD });
  if (!result.ok || result.value.state !== 'signed-in') throw new Error(result.ok ? 'not signed in' : result.error.message);
  return { id: result.value.user.id, domain: result.value.user.domain, clientId: result.value.clientId };
}

export function eventsOf(o: ObservedCore, name: string): unknown[] {
  return o.events.filter((e) => e.event === name).map((e) => e.payload);
}

/**
 * Waits until the core announced that it settled one of its own messages (`sent`, or `failed`)
 * and returns that status: sending is optimistic, so `messages.send` resolves with the message
 * still `pending` (issue 12).
 */
export async function settled(o: ObservedCore, messageId: string, timeoutMs = 15_000): Promise<'sent' | 'failed'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const payload of eventsOf(o, 'message.updated')) {
      if (typeof payload !== 'object' || payload === null || !('id' in payload) || payload.id !== messageId || !('status' in payload)) continue;
      if (payload.status === 'sent' || payload.status === 'failed') return payload.status;
    }
    if (Date.now() > deadline) throw new Error(`${o.profile} did not settle message ${messageId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
