import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCore } from '../../support/cores';
import type { TcpProxy } from '../../support/tcpProxy';
import { startTcpProxy } from '../../support/tcpProxy';
import { useTestServer } from '../../support/testServer';
import { activities, ask, description, phaseOf, refusal, systemLines, waitForPhase } from './support/callCores';

/*
 * Issue 13, what happens to a 1:1 call when the session around it goes: the app locks or the
 * user signs out in the middle of a call, the callee's process is killed right after storing the
 * message that ended its call, and a `calls.prepare` reservation that is never started. Real
 * cores and the real server over TLS (the killed callee's through a TCP relay that can cut its
 * network); the renderer's reports are sent by the test.
 */

const RESERVATION_MS = 1_500;
const PASSCODE = 'Lichen-Moss-42';
const PASSPHRASE = 'call-lifecycle-pass';
const env = useTestServer('call-lifecycle');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let bobUser: SignedInUser;
let chat: string;
let proxy: TcpProxy;

beforeAll(async () => {
  alice = startCore(env.root, 'alice', { callTimings: { reservationMs: RESERVATION_MS } });
  bob = startCore(env.root, 'bob');
  cores.push(alice, bob);
  proxy = await startTcpProxy(env.server.url);
  await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
  chat = (await ask(alice, 'conversations.openOneToOne', { user: { id: bobUser.id, domain: bobUser.domain } })).id;
  const deadline = Date.now() + 30_000;
  while (!(await ask(bob, 'conversations.list', {})).conversations.some((c) => c.id === chat)) {
    if (Date.now() > deadline) throw new Error('Bob never got the conversation');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
  await proxy.close();
});

/** Alice calls Bob, he answers, both renderers report the connection: the call is active on both. */
async function activeCall(): Promise<string> {
  const { callId } = await ask(alice, 'calls.prepare', { conversationId: chat, media: 'audio' });
  await ask(alice, 'calls.start', { callId, offer: description() });
  await waitForPhase(bob, callId, 'incoming');
  await ask(bob, 'calls.accept', { callId, answer: description('answer') });
  await waitForPhase(alice, callId, 'connecting');
  await ask(alice, 'calls.report', { callId, report: { kind: 'connected' } });
  await ask(bob, 'calls.report', { callId, report: { kind: 'connected' } });
  await waitForPhase(alice, callId, 'active');
  await waitForPhase(bob, callId, 'active');
  return callId;
}

/** Runs the profile as a callee process (test/fixtures/callKillProcess.ts) until it kills itself; never left running. */
function startCallee(profile: string): { online: Promise<void>; active: Promise<void>; exit: Promise<NodeJS.Signals | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/callKillProcess.ts', path.join(env.root, profile)], {
    env: { ...process.env, CAIRN_DB_PASSPHRASE: PASSPHRASE },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const exit = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      resolve(signal);
    }),
  );
  let printed = '';
  const said = (word: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes(word)) resolve();
      });
      void exit.then(() => reject(new Error(`the callee process ended before it said ${word}`)));
    });
  return { online: said('online'), active: said('active'), exit };
}

const callLine = (name: string) => expect.stringMatching(new RegExp(`^Call with ${name}, 0:\\d\\d\\.$`));

describe('a call when the session around it goes', () => {
  it('a reservation from calls.prepare that is not started lapses: camera and microphone are released and the id cannot start a call', async () => {
    const { callId } = await ask(alice, 'calls.prepare', { conversationId: chat, media: 'video' });
    expect(activities(alice).at(-1)).toEqual({ active: true, ringing: false });
    // Another call cannot be prepared while the reservation holds.
    expect(await refusal(alice, 'calls.prepare', { conversationId: chat, media: 'audio' })).toBe('call-busy');
    await expect.poll(() => activities(alice).at(-1), { timeout: RESERVATION_MS + 10_000 }).toEqual({ active: false, ringing: false });
    expect(await refusal(alice, 'calls.start', { callId, offer: description() })).toBe('call-not-found');
    // Nobody was called: Bob heard nothing, and Alice may prepare again.
    expect(phaseOf(bob, callId)).toBeUndefined();
    const again = await ask(alice, 'calls.prepare', { conversationId: chat, media: 'audio' });
    await ask(alice, 'calls.hangUp', { callId: again.callId, dataChannelOpen: false });
  }, 30_000);

  it('locking the app during a call ends it on both sides, and both histories keep the call', async () => {
    await ask(alice, 'appLock.enable', { passcode: PASSCODE });
    const callId = await activeCall();
    await ask(alice, 'appLock.lock', {});
    // Bob's core learns it at once from the E2EE hang-up (an active call has no timer to end it).
    await waitForPhase(bob, callId, 'ended:completed');
    await expect.poll(() => systemLines(bob, chat), { timeout: 15_000 }).toContainEqual(callLine('Alice'));
    expect(activities(alice).at(-1)).toEqual({ active: false, ringing: false });
    // The conversation list shows the call like a message, short.
    expect((await ask(bob, 'conversations.list', {})).conversations.find((c) => c.id === chat)?.lastMessage).toMatch(/^Call, \d+ s$/);

    await ask(alice, 'appLock.unlock', { passcode: PASSCODE });
    await expect.poll(() => systemLines(alice, chat), { timeout: 15_000 }).toContainEqual(callLine('Bob'));
    expect((await ask(alice, 'calls.list', {})).calls).toEqual([]);
    await ask(alice, 'appLock.disable', { passcode: PASSCODE });
  }, 60_000);

  it('does not lock for idleness while a call runs, and counts the idle time again once the call ended', async () => {
    await ask(alice, 'appLock.enable', { passcode: PASSCODE });
    await ask(alice, 'appLock.setAutoLock', { seconds: 2 });
    const locked = async (): Promise<boolean> => (await ask(alice, 'appLock.status', {})).locked;
    const callId = await activeCall();
    // Nobody touches the app for over two auto-lock periods: the call holds the lock off.
    // (Waiting is the point here: a lock would come within 2 s.)
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await locked()).toBe(false);
    expect(phaseOf(alice, callId)).toBe('active');
    await ask(alice, 'calls.hangUp', { callId, dataChannelOpen: false });
    await expect.poll(locked, { timeout: 10_000, interval: 100 }).toBe(true);
    await ask(alice, 'appLock.unlock', { passcode: PASSCODE });
    await ask(alice, 'appLock.setAutoLock', { seconds: 0 });
    await ask(alice, 'appLock.disable', { passcode: PASSCODE });
  }, 60_000);

  it('a callee killed right after storing the hang-up that ended its call still has the call in its history', async () => {
    // Dana's device runs as its own process (to be killed), reaching the server through the relay.
    const setup = startCore(env.root, 'dana', { passphrase: PASSPHRASE });
    cores.push(setup);
    const dana = await registerThroughCore(setup, { ...env.server, url: proxy.url }, env.root, 'dana@example.test', 'Dana');
    const withDana = (await ask(alice, 'conversations.openOneToOne', { user: { id: dana.id, domain: dana.domain } })).id;
    await expect.poll(async () => (await ask(setup, 'conversations.list', {})).conversations.some((c) => c.id === withDana && c.epoch !== null), { timeout: 30_000 }).toBe(true);
    cores.splice(cores.indexOf(setup), 1);
    await setup.core.close();

    const child = startCallee('dana');
    await child.online;
    const { callId } = await ask(alice, 'calls.prepare', { conversationId: withDana, media: 'audio' });
    await ask(alice, 'calls.start', { callId, offer: description() });
    await child.active;
    await ask(alice, 'calls.report', { callId, report: { kind: 'connected' } });
    await waitForPhase(alice, callId, 'active');

    // Dana is offline while Alice hangs up and writes, so both arrive in one batch and are stored
    // in one receive transaction; storing the text kills her process, before anything queued
    // after that commit could run.
    proxy.outage();
    await ask(alice, 'calls.hangUp', { callId, dataChannelOpen: false });
    await ask(alice, 'messages.send', { conversationId: withDana, text: 'talk soon' });
    proxy.restore();
    expect(await child.exit).toBe('SIGKILL');

    const again = startCore(env.root, 'dana', { passphrase: PASSPHRASE });
    cores.push(again);
    const lines = await systemLines(again, withDana);
    expect(lines).toContainEqual(callLine('Alice'));
  }, 120_000);

  it('signing out during a call ends it: the other side is told at once and writes the call in its history', async () => {
    const callId = await activeCall();
    const before = (await systemLines(alice, chat)).length;
    await ask(bob, 'account.logout', {});
    await waitForPhase(alice, callId, 'ended:completed');
    await expect.poll(async () => (await systemLines(alice, chat)).slice(before), { timeout: 15_000 }).toEqual([callLine('Bob')]);
    expect(activities(bob).at(-1)).toEqual({ active: false, ringing: false });
  }, 60_000);
});
