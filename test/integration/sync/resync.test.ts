import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import { MISSED_MESSAGES_TEXT } from '../../../electron/core/services/resync';
import { openProfileStore } from '../../../electron/core/store/openProfileStore';
import { NOTIFICATION_RETENTION_MS } from '../../../protocol';
import type { ObservedCore } from '../../support/cores';
import { eventsOf, registerThroughCore, settled, startCore, startCores } from '../../support/cores';
import { apiClient, TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';
import { TestClock } from '../server/support/server';

// The server's clock moves four weeks on while Bob's device is off, so his queue expires for real.
const clock = new TestClock();
const env = useTestServer('resync', { now: clock.now });
const cores: ObservedCore[] = [];
const PASSPHRASE = 'resync-profile-pass';
const MODEST = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

/** Bob's device keeps its database key behind a passphrase, so a separate process can open it too. */
function bobCore(): ObservedCore {
  const observed = startCore(env.root, 'bob', { passphrase: PASSPHRASE });
  cores.push(observed);
  return observed;
}

async function history(o: ObservedCore, conversationId: string): Promise<StoredMessage[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 200 });
  return result.ok ? result.value.messages : [];
}

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  return (await history(o, conversationId)).filter((m) => m.kind === 'text').map((m) => m.text ?? '');
}

async function systemLines(o: ObservedCore, conversationId: string): Promise<string[]> {
  return (await history(o, conversationId)).filter((m) => m.kind === 'system').map((m) => m.text ?? '');
}

async function summaries(o: ObservedCore) {
  const list = await o.core.router.request('conversations.list', {});
  return list.ok ? list.value.conversations : [];
}

/** Sends a text and waits until the server took it (the request itself resolves once it is stored here). */
async function send(o: ObservedCore, conversationId: string, text: string): Promise<void> {
  const sent = await o.core.router.request('messages.send', { conversationId, text });
  if (!sent.ok) throw new Error(sent.error.message);
  expect(await settled(o, sent.value.id)).toBe('sent');
}

/** Starts Bob's device as its own process; it kills itself (SIGKILL) right after the resync stored its first line. */
function crashDuringResync(): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/resyncCrashProcess.ts', path.join(env.root, 'bob')], {
      env: { ...process.env, CAIRN_DB_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ output, signal });
    });
  });
}

describe('a device whose notifications expired while it was off', () => {
  it('resyncs: joins what it missed, rejoins groups it fell behind in, marks the gap once, and reads and sends again', async () => {
    const [alice, carol, dave] = startCores(env.root, cores, 'alice', 'carol', 'dave');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
    const daveUser = await registerThroughCore(dave, env.server, env.root, 'dave@example.test', 'Dave');
    let bob = bobCore();
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const bobRef = { id: bobUser.id, domain: bobUser.domain };

    const team = await alice.core.router.request('conversations.create', { name: 'Team', members: [bobRef, { id: carolUser.id, domain: carolUser.domain }] });
    const leaving = await alice.core.router.request('conversations.create', { name: 'Leaving', members: [bobRef] });
    if (!team.ok || !leaving.ok) throw new Error('creating the conversations failed');
    const teamId = team.value.id;
    const leavingId = leaving.value.id;
    await send(alice, teamId, 'before the gap');
    await expect.poll(() => texts(bob, teamId), { timeout: 20_000 }).toEqual(['before the gap']);
    await expect.poll(async () => (await summaries(bob)).map((c) => c.id).sort(), { timeout: 20_000 }).toEqual([teamId, leavingId].sort());
    await bob.core.close();

    // While Bob's device is off: a message, Dave added and Carol removed (two commits), a new
    // name, a new conversation with Bob (its Welcome waits in his queue), and Bob removed from another.
    await send(alice, teamId, 'sent while bob was away');
    expect(await alice.core.router.request('conversations.addMembers', { conversationId: teamId, members: [{ id: daveUser.id, domain: daveUser.domain }] })).toMatchObject({ ok: true });
    expect(await alice.core.router.request('conversations.removeMember', { conversationId: teamId, member: { id: carolUser.id, domain: carolUser.domain } })).toMatchObject({ ok: true });
    const aliceApi = apiClient(env.server);
    const access = await aliceApi.call('login', { body: { email: 'alice@example.test', password: TEST_PASSWORD } });
    aliceApi.session.setToken(access.accessToken, access.expiresIn);
    await aliceApi.call('renameConversation', { params: { conv: teamId }, body: { name: 'Team, renamed' } });
    aliceApi.close();
    const surprise = await alice.core.router.request('conversations.create', { name: 'Surprise', members: [bobRef] });
    if (!surprise.ok) throw new Error(surprise.error.message);
    const surpriseId = surprise.value.id;
    await send(alice, surpriseId, 'the welcome for this one expires');
    expect(await alice.core.router.request('conversations.removeMember', { conversationId: leavingId, member: bobRef })).toMatchObject({ ok: true });
    await expect.poll(async () => (await summaries(dave)).map((c) => c.id), { timeout: 20_000 }).toEqual([teamId]);

    // Four weeks and a minute later the server drops what Bob never fetched.
    clock.advance(NOTIFICATION_RETENTION_MS + 60_000);
    await env.server.maintenance();
    // Sent after the gap from an epoch Bob never reached: it waits in his queue, unreadable to him.
    await send(alice, teamId, 'after the gap');

    // Bob's device comes back and is killed right after the resync stored its first line.
    const crashed = await crashDuringResync();
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.output).toMatch(/^line /);
    const peek = await openProfileStore(path.join(env.root, 'bob'), { prefer: 'passphrase', passphrase: PASSPHRASE, kdf: MODEST });
    if (!peek.ok) throw new Error(peek.error.message);
    const linesAtCrash = Number(peek.value.db.prepare('SELECT count(*) FROM messages WHERE body = ?').pluck().get(MISSED_MESSAGES_TEXT));
    const resyncStillDue = peek.value.db.prepare("SELECT count(*) FROM kv WHERE namespace = 'profile' AND key = 'resync'").pluck().get();
    peek.value.close();
    expect(linesAtCrash).toBe(1);
    expect(resyncStillDue).toBe(1);

    // Started again, it finishes the resync. Bob writes at once: the send waits for the
    // conversations' lock, and if it comes before the rejoin the server refuses the old epoch and
    // the same message is sent again once the resync rejoined the group.
    bob = bobCore();
    await bob.core.router.request('account.status', {});
    const early = send(bob, teamId, 'written while catching up');
    await expect.poll(() => systemLines(bob, leavingId), { timeout: 60_000 }).toEqual([MISSED_MESSAGES_TEXT]);
    for (const id of [teamId, surpriseId]) {
      await expect.poll(async () => (await systemLines(bob, id)).filter((line) => line === MISSED_MESSAGES_TEXT), { timeout: 30_000 }).toEqual([MISSED_MESSAGES_TEXT]);
    }
    const list = await summaries(bob);
    expect(list.find((c) => c.id === leavingId)).toMatchObject({ left: true });
    expect(list.find((c) => c.id === teamId)).toMatchObject({ left: false, name: 'Team, renamed', memberCount: 3 });
    expect(list.find((c) => c.id === surpriseId)).toMatchObject({ left: false, name: 'Surprise', kind: 'group' });
    const members = await bob.core.router.request('conversations.members', { conversationId: teamId });
    expect(members.ok && members.value.members.map((m) => m.name).sort()).toEqual(['Alice', 'Bob', 'Dave']);
    // What expired is not there; what was sent after the gap from an epoch Bob missed (the text,
    // and Dave's delivery receipt for it) is shown as undecryptable; the lines say plainly that
    // messages may be missing.
    expect((await texts(bob, teamId))[0]).toBe('before the gap');
    expect(await texts(bob, teamId)).not.toContain('sent while bob was away');
    expect((await history(bob, teamId)).filter((m) => m.kind === 'undecryptable').length).toBeGreaterThanOrEqual(1);
    expect(await systemLines(bob, surpriseId)).toEqual(['You were added to this conversation.', MISSED_MESSAGES_TEXT]);
    // The UI was told (Leaving is always handled after the crash: conversations no longer listed come last).
    expect(eventsOf(bob, 'message.added')).toEqual(expect.arrayContaining([expect.objectContaining({ conversationId: leavingId, text: MISSED_MESSAGES_TEXT })]));
    expect(eventsOf(bob, 'conversation.changed')).toEqual(
      expect.arrayContaining([teamId, surpriseId, leavingId].map((id) => expect.objectContaining({ id, summary: expect.objectContaining({ id }) }))),
    );

    await early;
    await expect.poll(async () => (await texts(alice, teamId)).at(-1), { timeout: 20_000 }).toBe('written while catching up');

    // Bob reads what is sent now, in the group he rejoined and the one he joined, and is read.
    await send(alice, teamId, 'welcome back');
    await send(alice, surpriseId, 'surprise');
    await expect.poll(() => texts(bob, teamId), { timeout: 20_000 }).toEqual(['before the gap', 'written while catching up', 'welcome back']);
    await expect.poll(() => texts(bob, surpriseId), { timeout: 20_000 }).toEqual(['surprise']);
    await send(bob, teamId, 'glad to be back');
    await expect.poll(async () => (await texts(alice, teamId)).at(-1), { timeout: 20_000 }).toBe('glad to be back');
    await expect.poll(async () => (await texts(dave, teamId)).at(-1), { timeout: 20_000 }).toBe('glad to be back');

    // Another start: the server no longer asks for a resync, nothing is rejoined, no line is added.
    const epochs = new Map((await summaries(bob)).map((c) => [c.id, c.epoch]));
    await bob.core.close();
    bob = bobCore();
    await bob.core.router.request('account.status', {});
    await expect.poll(() => eventsOf(bob, 'connection.state').some((s) => typeof s === 'object' && s !== null && 'state' in s && s.state === 'online'), { timeout: 20_000 }).toBe(true);
    await send(alice, teamId, 'once more');
    await expect.poll(async () => (await texts(bob, teamId)).at(-1), { timeout: 20_000 }).toBe('once more');
    for (const id of [teamId, surpriseId, leavingId]) {
      expect((await systemLines(bob, id)).filter((line) => line === MISSED_MESSAGES_TEXT)).toEqual([MISSED_MESSAGES_TEXT]);
    }
    expect(new Map((await summaries(bob)).map((c) => [c.id, c.epoch]))).toEqual(epochs);
  }, 240_000);

  it('continues past the gap when nothing newer was left in its queue, so the next start does not resync again', async () => {
    let erin = startCore(env.root, 'erin');
    cores.push(erin);
    const [frank] = startCores(env.root, cores, 'frank');
    const erinUser = await registerThroughCore(erin, env.server, env.root, 'erin@example.test', 'Erin');
    await registerThroughCore(frank, env.server, env.root, 'frank@example.test', 'Frank');
    const created = await frank.core.router.request('conversations.create', { name: 'Quiet', members: [{ id: erinUser.id, domain: erinUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    await expect.poll(async () => (await summaries(erin)).map((c) => c.id), { timeout: 20_000 }).toEqual([id]);
    await erin.core.close();
    await send(frank, id, 'expires unread');
    clock.advance(NOTIFICATION_RETENTION_MS + 60_000);
    await env.server.maintenance();

    erin = startCore(env.root, 'erin');
    cores.push(erin);
    await erin.core.router.request('account.status', {});
    await expect.poll(() => systemLines(erin, id), { timeout: 30_000 }).toEqual([MISSED_MESSAGES_TEXT]);
    const epoch = (await summaries(erin)).find((c) => c.id === id)?.epoch;
    await erin.core.close();

    erin = startCore(env.root, 'erin');
    cores.push(erin);
    await erin.core.router.request('account.status', {});
    await send(frank, id, 'hello again');
    await expect.poll(() => texts(erin, id), { timeout: 20_000 }).toEqual(['hello again']);
    expect(await systemLines(erin, id)).toEqual([MISSED_MESSAGES_TEXT]);
    expect((await summaries(erin)).find((c) => c.id === id)?.epoch).toBe(epoch);
  }, 120_000);
});
